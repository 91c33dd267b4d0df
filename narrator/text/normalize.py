"""The written form: characters canonical, hazm normalization, and missing ZWNJ put back.

hazm's ``Normalizer`` with its default spacing splits numbers and abbreviations apart
(``۱۲٫۵`` -> ``۱۲ ٫ ۵``), so it runs with ``correct_spacing=False``; the ZWNJ repair that option
would have done is done here instead, with hazm's own affix patterns, its word list and verb list.
"""

from __future__ import annotations

import re
from functools import lru_cache

from narrator.text.hazm_data import load_hazm_data
from narrator.text.hazm_steps import HazmSteps
from narrator.text.web import clean, latin_digits

ZWNJ = "\u200c"
# Persian letters as a character-class fragment: hamza to ghain, feh to yeh, and پ چ ژ ک گ ی
# (not the whole Arabic block, which also holds digits, «٫» and «٪»).
LETTERS = "\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc"

_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200d\u200e\u200f\u00ad\ufeff\u061c\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069\u0640"),
    None,
)
_SPACES = dict.fromkeys(map(ord, "\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                                 "\u2009\u200a\u202f\u205f\u3000\u180e\x0b\x0c\r"), " ")
_VARIANTS = {
    ord("ۀ"): "ه" + ZWNJ + "ی",
    ord("ة"): "ه",
    ord("ى"): "ی",
    ord("ي"): "ی",
    ord("ك"): "ک",
    ord("۔"): ".",
    ord("“"): '"',
    ord("”"): '"',
    ord("„"): '"',
    ord("‟"): '"',
    ord("″"): '"',
    ord("‹"): "«",
    ord("›"): "»",
    ord("‘"): "'",
    ord("’"): "'",
}
_TABLE = str.maketrans({**_INVISIBLE, **_SPACES, **_VARIANTS})
# Most lines hold none of those characters; finding that out is far cheaper than translating.
_TRANSLATED = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_TABLE)) + "]")
_HAMZA_EZAFE = re.compile("ه\u0654")

_SUFFIXES_ANY_STEM = ("هایشان", "هایمان", "هایتان", "هایی", "های", "ها", "ترین", "تر")
_PLURALS = _SUFFIXES_ANY_STEM[:-2]
_SUFFIXES_AFTER_HEH = ("اند", "ایم", "اید", "ای", "ام", "اش", "ات", "ی")
_NON_JOINING = frozenset("آادذرزژو")  # letters that never join the next; a ZWNJ after them is moot
_SUFFIX_ALTERNATION = "|".join(_SUFFIXES_ANY_STEM)
_HEH_ALTERNATION = "|".join(_SUFFIXES_AFTER_HEH)
# Only words that end in a suffix that may have lost its ZWNJ are looked at.
_WORD = re.compile(
    f"(?<![{LETTERS}{ZWNJ}])[{LETTERS}]{{2,}}(?:{_SUFFIX_ALTERNATION}|ه(?:{_HEH_ALTERNATION}))(?![{LETTERS}{ZWNJ}])"
)
_ZWNJ_EDGES = re.compile(f"{ZWNJ}+(?=[ ]|$)|(?:(?<=[ ])|^){ZWNJ}+|(?<=[^{LETTERS}{ZWNJ}]){ZWNJ}+"
                         f"|{ZWNJ}+(?=[^{LETTERS}{ZWNJ}])")
_ZWNJ_RUN = re.compile(f"{ZWNJ}{{2,}}")
_SPACE_RUN = re.compile(" {2,}")


@lru_cache(maxsize=1)
def hazm_steps() -> HazmSteps:
    """hazm's normalization steps over its cached tables (built from hazm on the first run only)."""
    return HazmSteps(load_hazm_data())


def hazm_normalize(text: str) -> str:
    """hazm's normalization without its spacing correction (numbers stay whole).

    >>> hazm_normalize("كتاب 12.5")
    'کتاب ۱۲٫۵'
    """
    return hazm_steps().normalize(text)


def canonical_chars(text: str) -> str:
    """Invisible marks and kashida removed, spaces unified, Arabic variants made Persian.

    >>> canonical_chars("خانۀ\u200fما")
    'خانه\u200cیما'
    """
    if _TRANSLATED.search(text):
        text = text.translate(_TABLE)
    return _HAMZA_EZAFE.sub("ه" + ZWNJ + "ی", text)


def repair_zwnj(text: str, steps: HazmSteps | None = None) -> str:
    """Put back the ZWNJ scraped text drops: ``'کارخانههای'`` -> ``'کارخانه\u200cهای'``.

    A word hazm does not know is split before a plural, comparative or (after a silent final
    ``ه``) a verbal or possessive suffix when what remains is a word it knows. ``steps`` (default
    :func:`hazm_steps`) gives the affix patterns and word lists.
    """
    steps = steps or hazm_steps()
    for pattern, replacement in steps.affix_spacing:
        text = pattern.sub(replacement, text)
    words, verbs = steps.words, steps.verbs

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        known = words.count(word)
        if known is not None and known > 0:
            return word
        # A plural or comparative suffix on a known stem first (the most frequent stem wins),
        # then, for words hazm does not know at all, a verbal or possessive suffix after «ه».
        best, best_count = word, -1
        # A word hazm lists without a count («کتابهای») may still lack its ZWNJ, but only before
        # a plural suffix: «فیلتر» is not «فیل» + «تر».
        suffixes = _PLURALS if known is not None else _SUFFIXES_ANY_STEM
        for suffix in suffixes:
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) >= 2:
                count = words.count(stem)
                if count is not None and count > best_count:
                    best, best_count = _join(stem, suffix), count
        if best_count >= 0 or known is not None:
            return best
        for suffix in _SUFFIXES_AFTER_HEH:
            stem = word[: -len(suffix)]
            if word.endswith("ه" + suffix) and (stem in words or stem + ZWNJ + suffix in verbs):
                return _join(stem, suffix)
        return word

    return _WORD.sub(fix, text)


def _join(stem: str, suffix: str) -> str:
    """``stem`` and ``suffix`` with a ZWNJ, unless the stem ends in a letter that never joins."""
    return stem + suffix if stem[-1] in _NON_JOINING else stem + ZWNJ + suffix


def tidy_spaces(text: str) -> str:
    """Single spaces, no ZWNJ beside a space or a non-letter, nothing at either end."""
    if ZWNJ in text:
        text = _ZWNJ_EDGES.sub("", _ZWNJ_RUN.sub(ZWNJ, text))
    return _SPACE_RUN.sub(" ", text).strip()


def affix_candidates(text: str) -> bool:
    """Whether hazm's affix patterns would change ``text`` (a standalone «می», «ها», «ی», ...)."""
    return any(pattern.search(text) for pattern, _ in hazm_steps().affix_spacing)


def renormalize(text: str, steps: HazmSteps | None = None) -> str:
    """The cheap, diacritic-keeping part of :func:`normalize` for text already normalized once.

    It leaves diacritics alone (a user's lexicon may use them to force a pronunciation) and
    repeats the steps that can matter after words were replaced: ``می`` prefixes, letters
    repeated more than twice, and the ZWNJ repair (``steps`` as for :func:`normalize`).
    """
    steps = steps or hazm_steps()
    text = steps.decrease_repeated_chars(steps.seperate_mi(canonical_chars(text)))
    return tidy_spaces(repair_zwnj(text, steps))


def normalize(text: str, steps: HazmSteps | None = None) -> str:
    """The written form of a line: canonical characters, hazm normalization, ZWNJ repaired.

    Digits are kept (as Persian digits); numbers and abbreviations are not split apart. ``steps``
    (default :func:`hazm_steps`) gives hazm's steps and word lists.

    >>> normalize("برنامههای ما اجرا میشود")
    'برنامه\u200cهای ما اجرا می\u200cشود'
    """
    steps = steps or hazm_steps()
    text = steps.normalize(canonical_chars(clean(text)))
    return latin_digits(tidy_spaces(repair_zwnj(text, steps)))

"""The written form: characters canonical, hazm normalization, and missing ZWNJ put back.

hazm's ``Normalizer`` with its default spacing splits numbers and abbreviations apart
(``۱۲٫۵`` -> ``۱۲ ٫ ۵``), so it runs with ``correct_spacing=False``; the ZWNJ repair that option
would have done is done here instead, with hazm's own affix patterns, its word list and verb list.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial

from narrator import regex
from narrator.text.hazm_data import load_hazm_data
from narrator.text.hazm_steps import HazmSteps
from narrator.text.names import name_lists
from narrator.text.web import clean, latin_digits
from narrator.text.zwnj import SUFFIXES_AFTER_HEH, SUFFIXES_ANY_STEM, Evidence, frequencies, overrides

ZWNJ = "\u200c"
# Persian letters as a character-class fragment: hamza to ghain, feh to yeh, and پ چ ژ ک گ ی
# (not the whole Arabic block, which also holds digits, «٫» and «٪»).
LETTERS = "\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc"

_INVISIBLE = dict.fromkeys(
    [*map(ord, "\u200b\u200d\u200e\u200f\u00ad\ufeff\u061c\u202a\u202b\u202c\u202d\u202e"
               "\u2066\u2067\u2068\u2069\u0640"),
     *range(0xFDD0, 0xFDF0), 0xFFFE, 0xFFFF],  # noncharacters: XML forbids U+FFFE/U+FFFF
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
_TRANSLATED = regex.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_TABLE)) + "]")
_HAMZA_EZAFE = regex.compile("ه\u0654")

_SUFFIX_ALTERNATION = "|".join(SUFFIXES_ANY_STEM)
_HEH_ALTERNATION = "|".join(SUFFIXES_AFTER_HEH)
# Only words that end in a suffix that may have lost its ZWNJ are looked at.
_WORD = regex.compile(
    f"(?<![{LETTERS}{ZWNJ}])[{LETTERS}]{{2,}}(?:{_SUFFIX_ALTERNATION}|ه(?:{_HEH_ALTERNATION}))(?![{LETTERS}{ZWNJ}])"
)
_MI_WORD = regex.compile(f"(?<![{LETTERS}{ZWNJ}])ن?می[{LETTERS}]{{2,}}(?![{LETTERS}{ZWNJ}])")
_ZWNJ_EDGES = regex.compile(f"{ZWNJ}+(?=[ ]|$)|(?:(?<=[ ])|^){ZWNJ}+|(?<=[^{LETTERS}{ZWNJ}]){ZWNJ}+"
                         f"|{ZWNJ}+(?=[^{LETTERS}{ZWNJ}])")
_ZWNJ_RUN = regex.compile(f"{ZWNJ}{{2,}}")
_SPACE_RUN = regex.compile(" {2,}")


@lru_cache(maxsize=1)
def hazm_steps() -> HazmSteps:
    """hazm's normalization steps over its cached tables (built from hazm on the first run only).

    Its «می» split is word-safe: a word the frequency list prefers whole (``میدانی``) stays whole.
    """
    data = load_hazm_data()
    words = Evidence(data.words, data.verbs, frequencies(), overrides())
    return HazmSteps(data, keep_joined=words.keep_joined)


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


def evidence(steps: HazmSteps | None = None) -> Evidence:
    """What the ZWNJ repair consults: ``steps``' word lists, the frequency list, the overrides."""
    steps = steps or hazm_steps()
    return Evidence(steps.words, steps.verbs, frequencies(), overrides())


def repair_zwnj(text: str, steps: HazmSteps | None = None) -> str:
    """Put back the ZWNJ scraped text drops: ``'کارخانههای'`` -> ``'کارخانه\u200cهای'``.

    hazm's affix patterns first, then each word ending in a suffix that may have lost its ZWNJ
    is repaired by :meth:`narrator.text.zwnj.Evidence.repair`, which never breaks a word the
    word lists know (``انتهای`` stays whole). ``steps`` (default :func:`hazm_steps`) gives the
    affix patterns and hazm's word lists.
    """
    steps = steps or hazm_steps()
    for pattern, replacement in steps.affix_spacing:
        if pattern.pattern.startswith("(?<="):  # a free-standing «تر», «گری», «ها» joined back
            text = pattern.sub(partial(_join_after_word, replacement=replacement), text)
        else:
            text = pattern.sub(replacement, text)
    words = evidence(steps)
    text = _MI_WORD.sub(lambda match: words.repair_mi(match.group(0)), text)
    return _WORD.sub(lambda match: words.repair(match.group(0)), text)


def _join_after_word(match: re.Match[str], replacement: str) -> str:
    """hazm's joining of a free-standing suffix, but not of a surname after a given name.

    ``جان تری`` is John Terry, not ``جان‌تری``; a plural still joins (``ستاره های``).
    """
    before = match.string[: match.start()].rsplit(" ", 1)[-1]
    if not match.group(1).startswith("ها") and before in name_lists().given:
        return match.group(0)
    return match.expand(replacement)


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

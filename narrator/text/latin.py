"""Latin script in Persian news: links dropped, names from a table, acronyms spelled, the rest
transliterated, so that a Persian voice never switches to English.

>>> read_latin("WHO")
'دابلیو\u200cاچ\u200cاو'
>>> read_latin("G20")
'جی بیست'
"""

from __future__ import annotations

import re
from functools import lru_cache

from narrator import regex
from narrator.text.english import english_word
from narrator.text.lexicon import builtin_table
from narrator.text.normalize import LETTERS, ZWNJ
from narrator.text.numbers import cardinal
from narrator.text.rules import Rule, spaced

LETTER_NAMES = {
    "a": "ای", "b": "بی", "c": "سی", "d": "دی", "e": "ای", "f": "اف", "g": "جی", "h": "اچ",
    "i": "آی", "j": "جی", "k": "کی", "l": "ال", "m": "ام", "n": "ان", "o": "او", "p": "پی",
    "q": "کیو", "r": "آر", "s": "اس", "t": "تی", "u": "یو", "v": "وی", "w": "دابلیو",
    "x": "ایکس", "y": "وای", "z": "زد",
}  # fmt: skip
MAX_ACRONYM = 6

_URL = regex.compile(
    r"(?:https?://|ftp://|www\.)[^\s«»\"<>]+"
    r"|(?<![\w@.])[A-Za-z\d][A-Za-z\d-]*(?:\.[A-Za-z\d-]+)*"
    r"\.(?:com|ir|org|net|info|gov|edu|io|co|uk|de|fr|tv|news|me)\b(?:/[^\s«»\"<>]*)?",
    re.IGNORECASE,
)
_EMAIL = regex.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = regex.compile(r"[A-Za-z\d]*[A-Za-z][A-Za-z\d]*(?:[-'&.][A-Za-z\d]+)*")
_PIECE = regex.compile(r"[A-Za-z]+|\d+")
_HAS_LATIN = regex.compile("[A-Za-z]")
_NO_VOWEL = regex.compile("^[^aeiouyAEIOUY]{1,6}$")  # «sms», «mb»: letters, not a word
_HAS_LINK = regex.compile(r"[A-Za-z\d]\.[A-Za-z]|www\.|://")

_DIGRAPHS = (
    ("tion", "شن"), ("sh", "ش"), ("ch", "چ"), ("th", "ت"), ("ph", "ف"), ("kh", "خ"), ("gh", "غ"),
    ("zh", "ژ"), ("oo", "و"), ("ee", "ی"), ("ea", "ی"), ("ou", "او"), ("ck", "ک"), ("qu", "کو"),
    ("x", "کس"), ("ce", "س"), ("ci", "سی"), ("cy", "سی"), ("ai", "ای"), ("ay", "ی"), ("ey", "ی"),
)  # fmt: skip
_CONSONANTS = {
    "b": "ب", "c": "ک", "d": "د", "f": "ف", "g": "گ", "h": "ه", "j": "ج", "k": "ک", "l": "ل",
    "m": "م", "n": "ن", "p": "پ", "q": "ک", "r": "ر", "s": "س", "t": "ت", "v": "و", "w": "و",
    "z": "ز",
}  # fmt: skip
_VOWELS_START = {"a": "آ", "e": "ا", "i": "ای", "o": "او", "u": "او", "y": "ی"}
_VOWELS_MIDDLE = {"a": "ا", "e": "", "i": "ی", "o": "و", "u": "و", "y": "ی"}
_VOWELS_END = {"a": "ا", "e": "", "i": "ی", "o": "و", "u": "و", "y": "ی"}


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """The built-in table of Latin names (lower case) and their Persian readings."""
    return {key.lower(): value for key, value in builtin_table("latin.tsv").items()}


def spell(letters: str) -> str:
    """An acronym in Persian letter names joined by ZWNJ: ``'BBC'`` -> ``'بی‌بی‌سی'``."""
    return ZWNJ.join(LETTER_NAMES[ch] for ch in letters.lower())


def transliterate(word: str) -> str:
    """A rough Persian spelling of a Latin word: ``'Tesla'`` -> ``'تسلا'``.

    It only has to keep the voice in Persian; real names belong in the lexicon.
    """
    word = re.sub(r"(.)\1+", r"\1", word.lower())
    out: list[str] = []
    i = 0
    while i < len(word):
        for latin, persian in _DIGRAPHS:
            if word.startswith(latin, i):
                if i == 0 and persian[0] in "یو" and latin[0] in "aeiou":
                    persian = "ا" + persian
                out.append(persian)
                i += len(latin)
                break
        else:
            ch = word[i]
            if ch in _CONSONANTS:
                out.append(_CONSONANTS[ch])
            elif i == 0:
                out.append(_VOWELS_START.get(ch, ""))
            elif i == len(word) - 1:
                out.append(_VOWELS_END.get(ch, ""))
            else:
                out.append(_VOWELS_MIDDLE.get(ch, ""))
            i += 1
    return "".join(out) or spell(re.sub("[^a-z]", "", word))


def read_latin(token: str) -> str:
    """A Latin token as Persian: a known name, an acronym spelled, or a transliteration."""
    token = token.rstrip(".")
    known = names().get(token.lower())
    if known is not None:
        return known
    parts: list[str] = []
    for part in re.split(r"[-'&.]", token):
        known = names().get(part.lower())
        if known is not None:
            parts.append(known)
            continue
        for piece in _PIECE.findall(part):
            if piece.isdigit():
                parts.append(cardinal(int(piece)))
            elif (piece.isupper() and len(piece) <= MAX_ACRONYM) or len(piece) == 1 or _NO_VOWEL.match(piece):
                parts.append(spell(piece))
            else:
                parts.append(names().get(piece.lower()) or english_word(piece) or transliterate(piece))
    joiner = " و " if "&" in token else " "
    return joiner.join(p for p in parts if p)


def _drop(match: re.Match[str]) -> str:
    return " "


# Three or more capitalized words in a row are a title in capitals, not acronyms.
_CAPITALS_RUN = regex.compile(r"(?<![A-Za-z])[A-Z][A-Z']+(?: [A-Z][A-Z']*){2,}(?![A-Za-z])")


def _in_capitals_run(match: re.Match[str]) -> bool:
    text = match.string
    if not match.group(0).isupper() or not _CAPITALS_RUN.search(text):
        return False
    return any(run.start() <= match.start() < run.end() for run in _CAPITALS_RUN.finditer(text))


def _latin(match: re.Match[str]) -> str:
    token = match.group(0)
    if _in_capitals_run(match) and token.lower() not in names() and len(token) > 1:
        return spaced(read_latin(token.capitalize()))
    return spaced(read_latin(token))


RULES = (
    Rule("email", "url", _EMAIL, _drop, needs=regex.compile("@")),
    Rule("url", "url", _URL, _drop, needs=_HAS_LINK),
    Rule("latin", "latin", _TOKEN, _latin, needs=_HAS_LATIN),
)

__all__ = ["LETTERS", "RULES", "read_latin", "spell", "transliterate"]

"""Roman numerals after a century word or a name, read as ordinals.

``قرن XX`` is ``قرن بیستم``, ``لویی XIV`` is ``لویی چهاردهم``, ``الیزابت II`` is ``الیزابت دوم``.
Only a numeral after a Persian word is read so (a Latin ``X`` or ``CV`` elsewhere is a name or
an acronym); after ``قرن``/``سده`` any numeral up to ``XXX``, after another word one made of
``I``, ``V`` and ``X`` only, and a lone ``X`` only after a century word (``X`` is also a brand).

>>> from narrator.text.rules import apply_rules
>>> apply_rules(RULES, "قرن XXI").split()
['قرن', 'بیست', 'و', 'یکم']
"""

from __future__ import annotations

import re

from narrator import regex
from narrator.text.normalize import LETTERS, ZWNJ
from narrator.text.numbers import ordinal
from narrator.text.rules import Rule, spaced

_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_VALID = regex.compile("^(?:C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
_CENTURY = ("قرن", "سده", "قرون")
_ROMAN = regex.compile(f"(?<=[{LETTERS}] )(?P<roman>[IVXLC]{{1,7}})(?![A-Za-z\\d])(?! [A-Za-z])")
_WORD_BEFORE = regex.compile(f"([{LETTERS}{ZWNJ}]+) $")


def roman_value(numeral: str) -> int | None:
    """The value of a well-formed Roman numeral: ``'XIV'`` -> ``14``; ``None`` if malformed."""
    if not numeral or not _VALID.match(numeral):
        return None
    total = 0
    for here, after in zip(numeral, [*numeral[1:], ""], strict=True):
        value = _VALUES[here]
        total += -value if after and _VALUES[after] > value else value
    return total


def _roman(match: re.Match[str]) -> str | None:
    numeral = match.group("roman")
    before = _WORD_BEFORE.search(match.string, 0, match.start("roman"))
    word = before.group(1) if before else ""
    century = word in _CENTURY
    if not century and (set(numeral) - {"I", "V", "X"} or numeral == "X"):
        return None
    value = roman_value(numeral)
    if value is None or value == 0 or (century and value > 30):
        return None
    return spaced(ordinal(value))


RULES = (Rule("roman", "roman", _ROMAN, _roman, needs=regex.compile("[IVXLC]")),)

__all__ = ["RULES", "roman_value"]

"""Numbers as Persian words, the way an Iranian newsreader says them.

Cardinals use the Iranian scale (``هزار``, ``میلیون``, ``میلیارد``, ``هزار میلیارد``) and never
``یک هزار``, ``یکصد`` or ``بیلیون``; ordinals say ``سوم`` and ``سی‌ام`` (never ``سیم``). The words
below one thousand come from num2fawords, corrected to the Iranian norm and cached.
"""

from __future__ import annotations

from functools import lru_cache

import num2fawords

ZWNJ = "\u200c"
AND = " و "
MAX_CARDINAL = 10**18  # up to «میلیارد میلیارد»; longer digit strings are read in groups

_SCALES = ((10**9, "میلیارد"), (10**6, "میلیون"), (10**3, "هزار"))
_ONES = ("صفر", "یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه")
_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_DENOMINATORS = ("دهم", "صدم", "هزارم", "ده هزارم", "صد هزارم", "میلیونم")


def ascii_digits(digits: str) -> str:
    """Persian and Arabic-Indic digits as ASCII digits: ``'۰۲۱'`` -> ``'021'``."""
    return digits.translate(_ASCII)


@lru_cache(maxsize=1000)
def _below_thousand(value: int) -> str:
    """The words for ``value`` (0..999) from num2fawords, with ``یکصد`` corrected to ``صد`` (each
    asked of num2fawords once: an article holds a few dozen of the thousand)."""
    text = str(num2fawords.words(value))
    return "صد" + text[len("یکصد") :] if text.startswith("یکصد") else text


def cardinal(value: int) -> str:
    """A whole number in words: ``1000`` -> ``'هزار'``, ``1100`` -> ``'هزار و صد'``.

    >>> cardinal(1_500_000_000_000)
    'هزار و پانصد میلیارد'
    >>> cardinal(-7)
    'منفی هفت'
    """
    if value < 0:
        return "منفی " + cardinal(-value)
    if value >= MAX_CARDINAL:
        return digit_groups(str(value))
    if value < 1000:
        return _below_thousand(value)
    for scale, name in _SCALES:
        if value >= scale:
            head, rest = divmod(value, scale)
            # «هزار» alone for one thousand; «یک میلیون», «یک میلیارد» for the larger scales.
            lead = name if head == 1 and scale == 1000 else f"{cardinal(head)} {name}"
            return lead if rest == 0 else lead + AND + cardinal(rest)
    raise AssertionError("unreachable")  # pragma: no cover


def ordinal(value: int) -> str:
    """An ordinal in words: ``3`` -> ``'سوم'``, ``30`` -> ``'سی‌ام'``, ``21`` -> ``'بیست و یکم'``."""
    words = cardinal(value)
    if words.endswith("سه"):
        return words[:-2] + "سوم"
    if words.endswith("سی"):
        return words + ZWNJ + "ام"
    return words + "م"


def ordinal_adjective(value: int) -> str:
    """The ``-مین`` ordinal: ``21`` -> ``'بیست و یکمین'``, ``30`` -> ``'سی‌امین'``."""
    return ordinal(value) + "ین"


def decimal(integer: str, fraction: str) -> str:
    """A decimal from its digit strings: ``('2', '5')`` -> ``'دو و نیم'``, ``('12', '75')``.

    Trailing zeros of the fraction are not read (``2.50`` is ``دو و نیم``); a fraction of exactly
    one half is ``نیم``; other fractions are read over ten, a hundred, ... a million
    (``دو و بیست و پنج صدم``); longer fractions are read digit by digit after ``ممیز``.
    """
    whole = int(integer) if integer else 0
    digits = ascii_digits(fraction).rstrip("0")
    if not digits:
        return cardinal(whole)
    if digits == "5":
        part = "نیم"
    elif len(digits) <= len(_DENOMINATORS):
        part = f"{cardinal(int(digits))} {_DENOMINATORS[len(digits) - 1]}"
    else:
        spelled = " ".join(_ONES[int(d)] for d in digits)
        return f"{cardinal(whole)} ممیز {spelled}"
    return part if whole == 0 else cardinal(whole) + AND + part


def digit_groups(digits: str) -> str:
    """An identifier (phone, code) read in groups: ``'09121234567'`` ->
    ``'صفر نهصد و دوازده، صد و بیست و سه، چهل و پنج، شصت و هفت'``.

    Leading zeros are read as ``صفر``; the rest is cut into groups of three from the left, with
    the last four digits read as two pairs (the Iranian way of reading phone numbers).
    """
    groups: list[str] = []
    for part in _chunks(ascii_digits(digits)):
        zeros = len(part) - len(part.lstrip("0"))
        head = " ".join(["صفر"] * zeros)
        rest = part[zeros:]
        groups.append(f"{head} {cardinal(int(rest))}".strip() if rest else head)
    return "، ".join(groups)


def _chunks(digits: str) -> list[str]:
    """Cut a digit string into reading groups: an area or operator prefix, threes, then pairs."""
    prefix: list[str] = []
    if digits.startswith("09") and len(digits) == 11:
        prefix, digits = [digits[:4]], digits[4:]  # 0912 · 123 · 45 · 67
    elif digits.startswith("0") and len(digits) >= 7:
        prefix, digits = [digits[:3]], digits[3:]  # 021 · 88 · 77 · 66 · 55
    size = len(digits)
    if size <= 3:
        return [*prefix, digits] if digits else prefix
    if size in (4, 6, 8):
        return [*prefix, *(digits[i : i + 2] for i in range(0, size, 2))]
    pairs = {0: 0, 1: 2, 2: 1}[size % 3]
    head = size - 2 * pairs
    threes = [digits[i : i + 3] for i in range(0, head, 3)]
    return [*prefix, *threes, *(digits[i : i + 2] for i in range(head, size, 2))]

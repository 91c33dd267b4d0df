"""Dates and times read the way a newsreader says them.

A day of the month is an ordinal (``۱۵ خرداد`` -> ``پانزدهم خرداد``); numeric dates are read with
the month's name: a year from 1200 to 1499 is Jalali (``۱۴۰۲/۰۵/۱۲`` -> ``دوازدهم مرداد هزار و
چهارصد و دو``) unless a lunar mark follows (``ق``, ``ه.ق``, ``قمری``), a year from 1500 is Gregorian.

>>> from narrator.text.rules import apply_rules
>>> " ".join(apply_rules(RULES, "۱۴۰۲/۰۵/۱۲").split())
'دوازدهم مرداد هزار و چهارصد و دو'
"""

from __future__ import annotations

import re

from narrator import regex
from narrator.text.normalize import LETTERS, ZWNJ
from narrator.text.numbers import AND, cardinal, ordinal
from narrator.text.rules import Rule, lazy, spaced

JALALI = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
          "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")  # fmt: skip
GREGORIAN = ("ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن",
             "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر")  # fmt: skip
LUNAR = ("محرم", "صفر", "ربیع‌الاول", "ربیع‌الثانی", "جمادی‌الاول", "جمادی‌الثانی",
         "رجب", "شعبان", "رمضان", "شوال", "ذی‌القعده", "ذی‌الحجه")  # fmt: skip
LATIN_MONTHS = ("january", "february", "march", "april", "may", "june",
                "july", "august", "september", "october", "november", "december")  # fmt: skip

_AFTER = f"(?![{LETTERS}{ZWNJ}])"
_DIGIT = regex.compile(r"\d")
_MARK = (r"(?P<mark>\s*(?:ه\. ?[قش]\.?|[قشم]\.?|هجری قمری|هجری شمسی|قمری|شمسی|میلادی)"
         + f"(?![{LETTERS}{ZWNJ}]))?")
_MARK_WORDS = {"ق": "هجری قمری", "ش": "هجری شمسی", "م": "میلادی"}


def _month_alternation() -> str:
    names = [*JALALI, *GREGORIAN, *LUNAR, "ژوییه", "جولای", "آگوست", "ربیع‌الآخر", "جمادی‌الاولی",
             "جمادی‌الآخر", "جمادی‌الثانیه", "ذیقعده", "ذیحجه"]
    variants = {n for name in names for n in (name, name.replace(ZWNJ, " "), name.replace(ZWNJ, ""))}
    return "|".join(re.escape(n) for n in sorted(variants, key=lambda n: (-len(n), n)))  # one order every run


_MONTH = _month_alternation()
_LATIN_MONTH = "|".join(
    [m for m in LATIN_MONTHS] + [m[:3] + r"\.?" for m in LATIN_MONTHS if len(m) > 3] + ["sept\\.?"]
)


def _latin_month(name: str) -> int:
    """The month number of an English month name or abbreviation."""
    key = name.lower().rstrip(".")[:3]
    return next(i for i, m in enumerate(LATIN_MONTHS, start=1) if m.startswith(key))


def read_date(day: int, month: int, year: int | None, calendar: str) -> str:
    """``(12, 5, 1402, 'jalali')`` -> ``'دوازدهم مرداد هزار و چهارصد و دو'``."""
    months = {"jalali": JALALI, "gregorian": GREGORIAN, "lunar": LUNAR}[calendar]
    words = f"{ordinal(day)} {months[month - 1]}"
    return words if year is None else f"{words} {cardinal(year)}"


def _calendar(year: int, mark: str) -> str | None:
    """Which calendar a numeric date's year belongs to, from its size and a mark after it."""
    if "ق" in mark:
        return "lunar"
    if 1200 <= year < 1500:
        return "jalali"
    if 1500 <= year < 2200:
        return "gregorian"
    return None


def _numeric(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    year = int(groups["y"] or groups["y2"])
    first = int(groups["a"] or groups["c"])
    second = int(groups["b"] or groups["d"])
    if groups["y"]:
        month, day = first, second  # year/month/day
    elif second > 12 >= first:
        month, day = first, second  # month/day/year (US order) only when it cannot be day/month
    else:
        day, month = first, second
    mark = (groups["mark"] or "").strip()
    calendar = _calendar(year, mark)
    if calendar is None or not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    words = read_date(day, month, year, calendar)
    if mark:
        words += " " + (mark if mark.endswith("ی") else _MARK_WORDS[mark.rstrip(".")[-1]])
    return spaced(words)


def _day_before_month(match: re.Match[str]) -> str | None:
    day = int(match.group(1))
    return spaced(ordinal(day)) if 1 <= day <= 31 else None


def _latin_date(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    month = _latin_month(groups["m1"] or groups["m2"] or groups["m3"])
    day_text = groups["d1"] or groups["d2"]
    year_text = groups["y1"] or groups["y2"] or groups["y3"]
    year = int(year_text) if year_text else None
    if day_text is None:
        return spaced(f"{GREGORIAN[month - 1]} {cardinal(year)}") if year is not None else None
    day = int(day_text)
    if not 1 <= day <= 31:
        return None
    return spaced(read_date(day, month, year, "gregorian"))


def read_time(hours: int, minutes: int, seconds: int | None) -> str:
    """``(18, 45, 10)`` -> ``'هجده و چهل و پنج دقیقه و ده ثانیه'``; ``(10, 0, None)`` -> ``'ده'``."""
    words = cardinal(hours)
    if minutes or seconds:
        words += AND + f"{cardinal(minutes)} دقیقه"
    if seconds:
        words += AND + f"{cardinal(seconds)} ثانیه"
    return words


def _time(match: re.Match[str]) -> str | None:
    hours, minutes = int(match.group(1)), int(match.group(2))
    seconds = int(match.group(3)) if match.group(3) else None
    if hours > 24 or minutes > 59 or (seconds is not None and seconds > 59):
        return None
    return spaced(read_time(hours, minutes, seconds))


def _two_digit_year_any(match: re.Match[str]) -> str:
    """``سال ۰۲`` is «سال صفر دو», as people say 1402 (not «سال دو»)."""
    return spaced("صفر " + cardinal(int(match.group(1) or match.group(2))))


_NO_NUMBER_BEFORE = r"(?<![\d٫.,٬/:-])"
_NO_NUMBER_AFTER = r"(?![\d٫,٬]|[./:-]\d)"

RULES = (
    Rule(
        "year-two-digit",
        "date",
        lazy(f"(?<=سال )[0۰](\\d)(?![\\d٫.,٬/:]){_AFTER}|(?<=سال{ZWNJ}های )[0۰](\\d)(?![\\d٫.,٬/:])"),
        _two_digit_year_any,
        needs=regex.compile("سال"),
    ),
    Rule(
        "date-numeric",
        "date",
        lazy(
            _NO_NUMBER_BEFORE
            + r"(?:(?P<y>\d{4})(?P<s1>[/.٫-])(?P<a>\d{1,2})(?P=s1)(?P<b>\d{1,2})"
            + r"|(?P<c>\d{1,2})(?P<s2>[/.٫-])(?P<d>\d{1,2})(?P=s2)(?P<y2>\d{4}))"
            + _NO_NUMBER_AFTER
            + _MARK
        ),
        _numeric,
        needs=regex.compile(r"\d[/.٫-]\d"),
    ),
    Rule(
        "date-latin",
        "date",
        lazy(
            rf"\b(?:(?P<m1>{_LATIN_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
            rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_LATIN_MONTH}),?\s+(?P<y2>\d{{4}})"
            rf"|(?P<m3>{_LATIN_MONTH})\s+(?P<y3>\d{{4}}))\b",
            re.IGNORECASE,
        ),
        _latin_date,
        needs=regex.compile("[A-Za-z]"),
    ),
    Rule(
        "date-day-range",
        "date",
        lazy(
            _NO_NUMBER_BEFORE
            + rf"(\d{{1,2}})(?= ?(?:تا|الی|و|-|–) ?\d{{1,2}}(?:{ZWNJ}?ام|م)? ?(?:{_MONTH}){_AFTER})"
        ),
        _day_before_month,
        needs=_DIGIT,
    ),
    Rule(
        "date-day",
        "date",
        lazy(_NO_NUMBER_BEFORE + rf"(\d{{1,2}})(?:{ZWNJ}?ام|م)? ?(?=(?:{_MONTH}){_AFTER})"),
        _day_before_month,
        needs=_DIGIT,
    ),
    Rule(
        "time",
        "time",
        lazy(r"(?<![\d٫.,٬/:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:٫]|[./]\d)"),
        _time,
        needs=regex.compile(r"\d:\d"),
    ),
)

__all__ = ["RULES", "read_date", "read_time"]

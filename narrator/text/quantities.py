"""Numbers in context: currency, percentages, units, identifiers, scores, ranges, negatives,
ordinals, fractions, and finally every remaining numeral as a cardinal or a decimal.

Symbols are moved to where Persian says them (``$۱٫۵ میلیارد`` -> ``۱٫۵ میلیارد دلار``) and the
numbers themselves are read by the last rules, so each step stays small.

>>> from narrator.text.rules import apply_rules
>>> " ".join(apply_rules(RULES, "٪۱۲٫۵ و ۲۱مین").split())
'دوازده و نیم درصد و بیست و یکمین'
"""

from __future__ import annotations

import re

from narrator.text.normalize import LETTERS, ZWNJ
from narrator.text.numbers import MAX_CARDINAL, cardinal, decimal, digit_groups, ordinal, ordinal_adjective
from narrator.text.rules import Rule, spaced

_DIGIT = re.compile(r"\d")
_AFTER_WORD = f"(?![{LETTERS}{ZWNJ}])"
_BEFORE = r"(?<![\d٫.,٬/])"
# A numeral as written: thousands separators, and a decimal part after «٫», «.» or the Iranian «/».
NUMBER = r"(?:\d{1,3}(?:[,٬]\d{3})+|\d+)(?:[٫./]\d+)?"
_SCALE = r"(?: ?(?:هزار میلیارد|هزار|میلیون|میلیارد))?"

CURRENCY = {"$": "دلار", "€": "یورو", "£": "پوند", "¥": "ین", "₽": "روبل", "₺": "لیر", "﷼": "ریال",
            "₹": "روپیه", "₿": "بیت‌کوین"}  # fmt: skip
_CURRENCY_CLASS = "[" + re.escape("".join(CURRENCY)) + "]"

UNITS = {
    "km/h": "کیلومتر بر ساعت", "km²": "کیلومتر مربع", "km2": "کیلومتر مربع", "m²": "متر مربع",
    "m2": "متر مربع", "m³": "متر مکعب", "m3": "متر مکعب", "kWh": "کیلووات ساعت",
    "°C": "درجه سانتی‌گراد", "° C": "درجه سانتی‌گراد", "°F": "درجه فارنهایت", "℃": "درجه سانتی‌گراد",
    "km": "کیلومتر", "kg": "کیلوگرم", "mg": "میلی‌گرم", "cm": "سانتی‌متر", "mm": "میلی‌متر",
    "ml": "میلی‌لیتر", "MW": "مگاوات", "kW": "کیلووات", "GW": "گیگاوات", "GB": "گیگابایت",
    "MB": "مگابایت", "TB": "ترابایت", "KB": "کیلوبایت", "GHz": "گیگاهرتز", "MHz": "مگاهرتز",
    "Hz": "هرتز", "mph": "مایل بر ساعت", "ha": "هکتار", "USD": "دلار", "EUR": "یورو",
    "IRR": "ریال", "GBP": "پوند", "°": "درجه", "m": "متر", "g": "گرم", "l": "لیتر", "L": "لیتر",
    "t": "تن", "s": "ثانیه", "h": "ساعت",
}  # fmt: skip
_PERSIAN_DIGITS = str.maketrans("23", "۲۳")
UNITS.update({unit.translate(_PERSIAN_DIGITS): words for unit, words in list(UNITS.items())})
_UNIT_ALTERNATION = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))

FRACTIONS = {"½": "نیم", "¼": "یک چهارم", "¾": "سه چهارم", "⅓": "یک سوم", "⅔": "دو سوم",
             "⅕": "یک پنجم", "⅛": "یک هشتم", "⅒": "یک دهم"}  # fmt: skip

SPORTS = re.compile(
    f"(?<![{LETTERS}])(?:تیم|بازی|مسابقه|دیدار|گل(?![{LETTERS}])|لیگ|جام(?![{LETTERS}])|فوتبال|فوتسال|"
    "والیبال|بسکتبال|هندبال|واترپلو|تنیس|پیروز|شکست|برتری|مساوی|تساوی|قهرمان|حریف|امتیاز|"
    "پرسپولیس|استقلال|سپاهان|تراکتور|گلزن|دروازه)"
)
_ID_CONTEXT = "شماره|پیامک|تلفن|تماس|همراه|نمابر|فکس|کد|پلاک|شناسه|شبا|حساب|کارت|سریال"


def read_number(literal: str) -> str:
    """A numeral as written (``'۱۲٬۵۰۰'``, ``'۲/۵'``, ``'۰۰۷'``) in words."""
    match = re.fullmatch(r"([\d,٬]+)(?:[٫./](\d+))?", literal)
    if match is None:
        return literal
    integer = match.group(1).replace(",", "").replace("٬", "")
    if match.group(2):
        return decimal(integer, match.group(2))
    value = int(integer)
    return cardinal(value) if value < MAX_CARDINAL else digit_groups(integer)


def _number(match: re.Match[str]) -> str:
    return spaced(read_number(match.group(0)))


def _identifier(match: re.Match[str]) -> str:
    parts = re.findall(r"\d+", match.group("id"))
    return match.group("lead") + spaced("، ".join(digit_groups(p) for p in parts))


def _score_or_range(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    small = len(first) <= 2 and len(second) <= 2 and "." not in first + second
    if small and SPORTS.search(match.string):
        return f" {first} بر {second} "
    return f" {first} تا {second} "


def _ordinal(match: re.Match[str]) -> str | None:
    value = int(match.group(1))
    suffix = match.group(2)
    if value >= MAX_CARDINAL:
        return None
    return spaced(ordinal_adjective(value) if suffix.endswith("ین") else ordinal(value))


def read_fraction(numerator: int, denominator: int) -> str:
    """A simple fraction: ``(1, 8)`` -> ``'یک هشتم'``, ``(3, 4)`` -> ``'سه چهارم'``."""
    return f"{cardinal(numerator)} {ordinal(denominator)}"


def _fraction(match: re.Match[str]) -> str:
    whole, symbol = match.group(1), match.group(2)
    part = FRACTIONS[symbol]
    return spaced(f"{read_number(whole)} و {part}" if whole else part)


RULES = (
    Rule(
        "identifier",
        "identifier",
        re.compile(
            rf"(?P<lead>(?:{_ID_CONTEXT})[{LETTERS}{ZWNJ}]*(?: (?:{_ID_CONTEXT}|ملی|پستی|ثابت))?:? )"
            r"(?P<id>\+?\d[\d -]{4,}\d)(?![\d٫])"
            r"|(?P<lead2>)(?<![\d٫.,٬/])(?P<id2>[0۰٠]\d{2,3}-\d{4,8}(?:-\d{2,8})?|[0۰٠]\d{3,})(?![\d٫]|[./]\d)"
        ),
        lambda m: (
            _identifier(m)
            if m.group("id")
            else spaced("، ".join(digit_groups(p) for p in re.findall(r"\d+", m.group("id2"))))
        ),
        needs=re.compile(r"\d[\d -]{4}"),
    ),
    Rule(
        "currency",
        "currency",
        re.compile(rf"({_CURRENCY_CLASS}) ?({NUMBER}{_SCALE})|({NUMBER}{_SCALE}) ?({_CURRENCY_CLASS})"),
        lambda m: (
            f" {m.group(2)} {CURRENCY[m.group(1)]} "
            if m.group(1)
            else f" {m.group(3)} {CURRENCY[m.group(4)]} "
        ),
        needs=re.compile(_CURRENCY_CLASS),
    ),
    Rule(
        "percent",
        "percent",
        re.compile(rf"[%٪] ?({NUMBER})|({NUMBER}) ?[%٪]|[%٪]"),
        lambda m: f" {m.group(1) or m.group(2) or ''} درصد ",
        needs=re.compile("[%٪]"),
    ),
    Rule(
        "unit",
        "unit",
        re.compile(rf"({NUMBER}) ?({_UNIT_ALTERNATION})(?![A-Za-z\d²³])|(°C|° C|℃|°F)"),
        lambda m: f" {m.group(1)} {UNITS[m.group(2)]} " if m.group(1) else spaced(UNITS[m.group(3)]),
        needs=re.compile("[A-Za-z°℃]"),
    ),
)

NUMBER_RULES = (
    Rule(
        "score-or-range",
        "range",
        re.compile(rf"{_BEFORE}({NUMBER}) ?[-–—] ?({NUMBER})(?![\d])"),
        _score_or_range,
        needs=re.compile(r"\d ?[-–—] ?\d"),
    ),
    Rule(
        "ratio",
        "range",
        re.compile(rf"{_BEFORE}(\d+):(\d+)(?![\d])"),
        lambda m: f" {m.group(1)} به {m.group(2)} ",
        needs=re.compile(r"\d:\d"),
    ),
    Rule(
        "sign",
        "negative",
        re.compile(r"(?:(?<=[\s(«\[:،])|^)([-−–+])(?=\d)"),
        lambda m: " مثبت " if m.group(1) == "+" else " منفی ",
        needs=re.compile(r"[-−–+]\d"),
    ),
    Rule(
        "ordinal",
        "ordinal",
        re.compile(rf"{_BEFORE}(\d+) ?({ZWNJ}?(?:امین|مین|ام)|م){_AFTER_WORD}"),
        _ordinal,
        needs=_DIGIT,
    ),
    Rule(
        "fraction-final",
        "fraction",
        re.compile(rf"{_BEFORE}(\d)/(\d{{1,2}})(?= ?نهایی)"),
        lambda m: spaced(read_fraction(int(m.group(1)), int(m.group(2)))),
        needs=re.compile("نهایی"),
    ),
    Rule(
        "fraction",
        "fraction",
        re.compile(rf"(\d+)? ?([{''.join(FRACTIONS)}])"),
        _fraction,
        needs=re.compile(f"[{''.join(FRACTIONS)}]"),
    ),
    Rule("number", "number", re.compile(rf"{_BEFORE}{NUMBER}"), _number, needs=_DIGIT),
    Rule("digits", "number", re.compile(r"\d+"), _number, needs=_DIGIT),
)

__all__ = ["NUMBER_RULES", "RULES", "read_number"]

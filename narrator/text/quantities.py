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

from narrator import regex
from narrator.text import ranges
from narrator.text.normalize import LETTERS, ZWNJ
from narrator.text.numbers import MAX_CARDINAL, cardinal, decimal, digit_groups, ordinal, ordinal_adjective
from narrator.text.rules import Rule, lazy, spaced

_DIGIT = regex.compile(r"\d")
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
    "t": "تن", "s": "ثانیه", "h": "ساعت", "m/s": "متر بر ثانیه", "km/s": "کیلومتر بر ثانیه",
    "Mbps": "مگابیت بر ثانیه", "Gbps": "گیگابیت بر ثانیه", "kbps": "کیلوبیت بر ثانیه",
    "MWh": "مگاوات ساعت", "GWh": "گیگاوات ساعت", "TWh": "تراوات ساعت", "W": "وات", "V": "ولت",
    "kV": "کیلوولت", "mAh": "میلی‌آمپر ساعت", "ppm": "پی‌پی‌ام", "nm": "نانومتر", "µm": "میکرومتر",
    "μm": "میکرومتر", "µg": "میکروگرم", "μg": "میکروگرم", "ft": "فوت", "lb": "پوند", "bbl": "بشکه",
    "hp": "اسب بخار", "cc": "سی‌سی", "kcal": "کیلوکالری", "dB": "دسی‌بل", "kHz": "کیلوهرتز",
    "min": "دقیقه", "sec": "ثانیه", "°K": "درجه کلوین", "K": "کلوین",
}  # fmt: skip
_PERSIAN_DIGITS = str.maketrans("23", "۲۳")
UNITS.update({unit.translate(_PERSIAN_DIGITS): words for unit, words in list(UNITS.items())})
_UNIT_ALTERNATION = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))

FRACTIONS = {"½": "نیم", "¼": "یک چهارم", "¾": "سه چهارم", "⅓": "یک سوم", "⅔": "دو سوم",
             "⅕": "یک پنجم", "⅖": "دو پنجم", "⅗": "سه پنجم", "⅘": "چهار پنجم", "⅙": "یک ششم",
             "⅚": "پنج ششم", "⅐": "یک هفتم", "⅛": "یک هشتم", "⅜": "سه هشتم", "⅝": "پنج هشتم",
             "⅞": "هفت هشتم", "⅑": "یک نهم", "⅒": "یک دهم"}  # fmt: skip

_ID_CONTEXT = "شماره|پیامک|تلفن|تماس|همراه|نمابر|فکس|کد|پلاک|شناسه|شبا|حساب|کارت|سریال"


_SIGN = r"(?:(?:(?<=[\s(«\[:،])|^)(?P<sign>[-−+]))?"


def _sign_word(sign: str | None) -> str:
    return "" if not sign else "مثبت " if sign == "+" else "منفی "


def _unit(match: re.Match[str]) -> str:
    """``۳۰ m/s`` -> ``۳۰ متر بر ثانیه``; a bare ``°C`` -> ``درجه سانتی‌گراد``."""
    if not match.group("n"):
        return spaced(UNITS[match.group("bare")])
    words = UNITS[match.group("u")]
    if match.group("per"):
        words += " بر " + UNITS[match.group("per")]
    return f" {_sign_word(match.group('sign'))}{match.group('n')} {words} "


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
        lazy(
            rf"(?P<lead>(?:{_ID_CONTEXT})[{LETTERS}{ZWNJ}]*(?: (?:{_ID_CONTEXT}|ملی|پستی|ثابت))?:? )"
            r"(?P<id>\+?\d[\d -]{4,}\d)(?![\d٫])"
            r"|(?P<lead2>)(?<![\d٫.,٬/])(?P<id2>[0۰٠]\d{2,3}-\d{4,8}(?:-\d{2,8})?|[0۰٠]\d{3,})(?![\d٫]|[./]\d)"
        ),
        lambda m: (
            _identifier(m)
            if m.group("id")
            else spaced("، ".join(digit_groups(p) for p in re.findall(r"\d+", m.group("id2"))))
        ),
        needs=regex.compile(r"\d[\d -]{4}"),
    ),
    Rule(
        "currency",
        "currency",
        lazy(rf"({_CURRENCY_CLASS}) ?({NUMBER}{_SCALE})|({NUMBER}{_SCALE}) ?({_CURRENCY_CLASS})"),
        lambda m: (
            f" {m.group(2)} {CURRENCY[m.group(1)]} "
            if m.group(1)
            else f" {m.group(3)} {CURRENCY[m.group(4)]} "
        ),
        needs=regex.compile(_CURRENCY_CLASS),
    ),
    Rule(
        "percent",
        "percent",
        lazy(rf"[%٪] ?(?P<n1>{NUMBER})|{_SIGN}(?P<n2>{NUMBER}) ?[%٪]|[%٪]"),
        lambda m: f" {_sign_word(m.group('sign'))}{m.group('n1') or m.group('n2') or ''} درصد ",
        needs=regex.compile("[%٪]"),
    ),
    Rule(
        "unit",
        "unit",
        lazy(
            rf"{_SIGN}(?P<n>{NUMBER}) ?(?P<u>{_UNIT_ALTERNATION})(?:/(?P<per>{_UNIT_ALTERNATION}))?"
            r"(?![A-Za-z\d²³])|(?P<bare>°C|° C|℃|°F)"
        ),
        _unit,
        needs=regex.compile("[A-Za-z°℃]"),
    ),
    Rule(
        "hemat",
        "currency",
        lazy(f"(?<=\\d) ?همت{_AFTER_WORD}"),
        lambda m: " هزار میلیارد تومان ",
        needs=regex.compile("همت"),
    ),
)

NUMBER_RULES = (
    *ranges.RULES,
    Rule(
        "ratio",
        "range",
        lazy(rf"{_BEFORE}(\d+):(\d+)(?![\d])"),
        lambda m: f" {m.group(1)} به {m.group(2)} ",
        needs=regex.compile(r"\d:\d"),
    ),
    Rule(
        "sign",
        "negative",
        lazy(r"(?:(?<=[\s(«\[:،])|^)([-−–+])(?=\d)"),
        lambda m: " مثبت " if m.group(1) == "+" else " منفی ",
        needs=regex.compile(r"[-−–+]\d"),
    ),
    Rule(
        "ordinal",
        "ordinal",
        lazy(rf"{_BEFORE}(\d+) ?({ZWNJ}?(?:امین|مین|ام)|م){_AFTER_WORD}"),
        _ordinal,
        needs=_DIGIT,
    ),
    Rule(
        "fraction-final",
        "fraction",
        lazy(rf"{_BEFORE}(\d)/(\d{{1,2}})(?= ?نهایی)"),
        lambda m: spaced(read_fraction(int(m.group(1)), int(m.group(2)))),
        needs=regex.compile("نهایی"),
    ),
    Rule(
        "fraction-slash",
        "fraction",
        lazy(rf"{_BEFORE}(\d{{1,3}})\u2044(\d{{1,3}})(?!\d)"),
        lambda m: spaced(read_fraction(int(m.group(1)), int(m.group(2)))) if int(m.group(2)) > 1 else None,
        needs=regex.compile("\u2044"),
    ),
    Rule(
        "fraction",
        "fraction",
        lazy(rf"(\d+)? ?([{''.join(FRACTIONS)}])"),
        _fraction,
        needs=regex.compile(f"[{''.join(FRACTIONS)}]"),
    ),
    Rule("number", "number", lazy(rf"{_BEFORE}{NUMBER}"), _number, needs=_DIGIT),
    Rule("digits", "number", lazy(r"\d+"), _number, needs=_DIGIT),
)

__all__ = ["NUMBER_RULES", "RULES", "read_number"]

"""Numerals to Persian words, in the way an Iranian newsreader says them."""

from __future__ import annotations

import re
from decimal import Decimal

import num2fawords

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_NUMBER = re.compile(
    r"(?P<int>[0-9۰-۹٠-٩]{1,3}(?:[,٬][0-9۰-۹٠-٩]{3})+|[0-9۰-۹٠-٩]+)"
    r"(?:[.٫](?P<frac>[0-9۰-۹٠-٩]+))?"
)
_PERCENT_AFTER = re.compile(r"\s*[%٪]")
_PERCENT_BEFORE = re.compile(r"[%٪]\s*$")


def to_ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits as ASCII digits: ``'۱۲'`` -> ``'12'``."""
    return text.translate(_DIGITS)


def iranian(words: str) -> str:
    """Fix num2fawords' wording to the Iranian norm: ``'یک هزار و یکصد'`` -> ``'هزار و صد'``."""
    words = re.sub(r"\bیک بیلیون\b", "هزار میلیارد", words)
    words = re.sub(r"\bبیلیون\b", "هزار میلیارد", words)
    words = re.sub(r"(^|\s)یک هزار\b", r"\1هزار", words)
    words = re.sub(r"(^|\s)یکصد\b", r"\1صد", words)
    return words


def cardinal(value: int | Decimal) -> str:
    """A number in words: ``1600`` -> ``'هزار و ششصد'``."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return iranian(num2fawords.words(value))


def expand_numbers(text: str) -> str:
    """Every numeral in ``text`` as words: ``'۱۲٫۵٪'`` -> ``'دوازده و پنج دهم درصد'``."""
    out: list[str] = []
    pos = 0
    for match in _NUMBER.finditer(text):
        before = text[pos : match.start()]
        percent = bool(_PERCENT_BEFORE.search(before))
        if percent:
            before = _PERCENT_BEFORE.sub("", before)
        out.append(before)
        digits = to_ascii_digits(match.group("int")).replace(",", "").replace("٬", "")
        frac = match.group("frac")
        value: int | Decimal = (
            Decimal(f"{digits}.{to_ascii_digits(frac)}") if frac else int(digits)
        )
        words = cardinal(value)
        pos = match.end()
        after = _PERCENT_AFTER.match(text, pos)
        if after:
            percent = True
            pos = after.end()
        out.append(f" {words} درصد " if percent else f" {words} ")
    out.append(text[pos:])
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()

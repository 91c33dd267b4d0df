"""Abbreviations and honorifics expanded from a table (``ج.ا.ا``, ``ه.ش``, ``(ع)``), and the era
letter after a year (``۱۴۰۲ش``, ``۲۰۲۳ م.``).

>>> from narrator.text.rules import apply_rules
>>> apply_rules(RULES, "در ج.ا.ا").split()
['در', 'جمهوری', 'اسلامی', 'ایران']
"""

from __future__ import annotations

import re
from functools import lru_cache

from narrator import regex
from narrator.text.lexicon import builtin_table
from narrator.text.normalize import LETTERS, ZWNJ
from narrator.text.rules import Rule, lazy, spaced

_BEFORE = f"(?<![{LETTERS}{ZWNJ}])"
_AFTER = f"(?![{LETTERS}{ZWNJ}])"
ERAS = {"ش": "شمسی", "ق": "قمری", "م": "میلادی"}


@lru_cache(maxsize=1)
def table() -> dict[str, str]:
    """The built-in abbreviation table, written form -> spoken form."""
    return builtin_table("abbreviations.tsv")


def _key_pattern(key: str) -> str:
    """A key as a regex: a dot may be followed by a space, a bracket may hold spaces."""
    out = []
    for ch in key:
        if ch == ".":
            out.append(r"\. ?")
        elif ch in "()":
            out.append(re.escape(ch) + " ?" if ch == "(" else " ?" + re.escape(ch))
        elif ch == " ":
            out.append(" ?")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _canonical(text: str) -> str:
    """An abbreviation without its dots and spaces (brackets kept as a trailing ``()``)."""
    return re.sub(r"[ .()]", "", text) + ("()" if text.startswith("(") else "")


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    keys = sorted(table(), key=len, reverse=True)
    canonical = {_canonical(k): v for k, v in table().items()}
    dotted = [k for k in keys if not k.startswith("(")]
    bracketed = [k for k in keys if k.startswith("(")]
    source = (
        f"{_BEFORE}(?:{'|'.join(_key_pattern(k) for k in dotted)})(?:\\.(?! ?[{LETTERS}]))?{_AFTER}"
        f"|(?:{'|'.join(_key_pattern(k) for k in bracketed)})"
    )
    return regex.compile(source), canonical


def _expand(match: re.Match[str]) -> str:
    _, canonical = _pattern()
    text = match.group(0)
    spoken = canonical.get(_canonical(text))
    return spaced(spoken) if spoken is not None else text


def abbreviation_rule() -> Rule:
    """The table rule (its pattern is built from the table on first use)."""
    return Rule("abbreviation", "abbreviation", _pattern()[0], _expand, needs=regex.compile(r"[.)]|الخ"))


ERA = Rule(
    "era",
    "abbreviation",
    lazy(f"(?<=\\d\\d\\d\\d) ?([شقم])\\.?{_AFTER}"),
    lambda m: spaced(ERAS[m.group(1)]),
    needs=regex.compile(r"\d"),
)
# A short year after «سال» with an era letter: ``سال ۶۲۲ م`` (not the ordinal «ششصد و بیست و دوم»).
SHORT_YEAR_ERA = Rule(
    "era-short-year",
    "abbreviation",
    lazy(f"(?<=سال )(\\d{{1,3}}) ?([شقم])\\.?{_AFTER}"),
    lambda m: f"{m.group(1)} {ERAS[m.group(2)]} ",
    needs=regex.compile(r"سال \d"),
)

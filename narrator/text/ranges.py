"""Two numbers joined by a dash or a plus: a score, a range, or an added amount, by context.

- A **score** (``چهار بر دو``, in the written order) when both numbers are small and the match is
  sport: a sport word in the sentence, a score cue just before (``با نتیجه``, ``با حساب``), or a
  team on each side (``ایران ۲-۱ ژاپن``).
- A **range** otherwise, read in increasing order (bidi editing often types ``1980- 1975`` for
  1975 to 1980). Two consecutive small numbers before a counted noun are read the way people say
  them, without ``تا`` (``5-4 نفر`` -> ``چهار پنج نفر``).
- ``۴۵+۲`` (stoppage time, ``۵+۱``) is ``چهل و پنج به علاوه دو``.

>>> from narrator.text.rules import apply_rules
>>> " ".join(apply_rules(RULES, "۵-۴ نفر").split())
'۴ ۵ نفر'
"""

from __future__ import annotations

import re
from functools import lru_cache

from narrator import regex
from narrator.text.lexicon import builtin_table
from narrator.text.normalize import LETTERS, ZWNJ
from narrator.text.numbers import ascii_digits
from narrator.text.rules import Rule, lazy

NUMBER = r"(?:\d{1,3}(?:[,٬]\d{3})+|\d+)(?:[٫./]\d+)?"
_BEFORE = r"(?<![\d٫.,٬/])"
_WORD = f"[{LETTERS}{ZWNJ}]+"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SPORTS = regex.compile(
    f"(?<![{LETTERS}])(?:تیم|بازی|مسابقه|دیدار|گل(?![{LETTERS}])|لیگ|جام(?![{LETTERS}])|فوتبال|فوتسال|"
    "والیبال|بسکتبال|هندبال|واترپلو|تنیس|پیروز|شکست|برتری|مساوی|تساوی|قهرمان|حریف|امتیاز|"
    f"پرسپولیس|استقلال|سپاهان|تراکتور|گلزن|دروازه|مغلوب|باخت|ست(?![{LETTERS}])|نیمه اول|نیمه دوم)"
)
_SCORE_CUES = frozenset({"نتیجه", "حساب", "امتیاز", "برد", "باخت", "شکست", "پیروزی", "تساوی"})


# Words that are counted: a number range before them is a quantity, never a score.
COUNTED = _words(
    "نفر تن سال ماه روز هفته ساعت دقیقه ثانیه بار مورد عدد دستگاه کیلومتر متر درصد هزار میلیون "
    "میلیارد برابر کشور شهر استان بازی دیدار گل نوبت مرحله قسمت فصل سانتی‌متر کیلوگرم گرم لیتر "
    "تومان ریال دلار یورو واحد خانوار کودک زن مرد خودرو فروند قطعه رأس راس شب سالگی ساله روزه "
    "ماهه هفته‌ای ساعته نفره بازیکن مربی ورزشکار کرنر شوت موقعیت اخطار"
)
# Things counted one by one: ``5-4 نفر`` is «چهار پنج نفر» (but ``۲-۳ درصد`` is «دو تا سه درصد»).
COUNTABLE = _words(
    "نفر تن سال ماه روز هفته ساعت دقیقه بار مورد عدد دستگاه کشور شهر بازی دیدار گل نوبت مرحله "
    "قسمت فصل خانوار کودک زن مرد خودرو فروند قطعه رأس راس شب بازیکن مربی ورزشکار کرنر شوت موقعیت"
)
_NEXT_WORD = regex.compile(f" ?({_WORD})")
_PREVIOUS_WORD = regex.compile(f"({_WORD}) ?$")
_SMALL = 30
_SPORT_MAX = 99  # a basketball score can reach two digits
_SMALL_ALONE = 9  # a score with no sport word: one digit each («۱۰ - ۲۰ مسئول» is a range)
# Words after which two numbers are a range (a page, a year, a clause), never a score.
RANGE_CUES = _words(
    "از بین حدود طی ص صفحه صفحات سال سال‌های سالهای دهه دهه‌های تحصیلی زراعی نیمسال فصل "
    "ماده مواد بند اصل کلاس پایه سن سنین بازه فاصله حداقل حداکثر تقریبا تقریباً هر شماره دوره ردیف "
    "قیمت نرخ"
)
# Before a season or school year, two consecutive years are read one after the other.
SEASON = regex.compile(
    f"(?:تحصیلی|زراعی|نیمسال|نیم{ZWNJ}?سال|نیم سال|فصل|مالی|سال|لیگ)(?: (?:اول|دوم))? ?$"
)
_NOT_A_TEAM = _words("تا از بین و یا که")
# Stoppage time typed backwards by bidi editing: «۴+۹۰» is 90+4.
_HALF_ENDS = frozenset({45, 90, 105, 120})


@lru_cache(maxsize=1)
def teams() -> frozenset[str]:
    """Countries and clubs that play matches (``narrator/text/data/teams.tsv``)."""
    return frozenset(builtin_table("teams.tsv"))


def _value(literal: str) -> float:
    text = ascii_digits(literal).replace(",", "").replace("٬", "")
    return float(re.sub("[٫/]", ".", text))


def _next_word(text: str, end: int) -> str:
    match = _NEXT_WORD.match(text, end)
    return match.group(1) if match else ""


def _previous_word(text: str, start: int) -> str:
    match = _PREVIOUS_WORD.search(text, 0, start)
    return match.group(1) if match else ""


def _counted(word: str) -> bool:
    """Whether ``word`` is a counted noun, also as an adjective (``درصدی``, ``ساله``, ``روزه``)."""
    for suffix in ("", "ی", "ه", "\u200cای", "ای", "\u200cی"):
        if word.endswith(suffix) and word[: len(word) - len(suffix)] in COUNTED:
            return True
    return False


def is_score(text: str, start: int, end: int, first: str, second: str) -> bool:
    """Whether the two numbers at ``text[start:end]`` are a match score."""
    if not (first.isdigit() and second.isdigit()):
        return False
    high = max(int(first), int(second))
    after, before = _next_word(text, end), _previous_word(text, start)
    if high <= _SMALL and before in _SCORE_CUES:
        return True  # «شکست ۵-۰ سال گذشته», «پیروزی ۳-۱ برابر ...»
    if high > _SPORT_MAX or _counted(after) or before in RANGE_CUES:
        return False
    if before in teams() and after in teams():
        return True
    if SPORTS.search(text) is not None:
        return True
    # Between two words, with nothing that counts: a result line («اتلتیکو مادرید ۵-۰ مالمو»,
    # «آتالانتا ایتالیا ۱۳ - ۰ گاندینزه ایتالیا»: after a country, up to twenty).
    limit = _SMALL if before in teams() else _SMALL_ALONE
    return high <= limit and bool(before) and bool(after) and after not in _NOT_A_TEAM


def _split_season(first: str, second: str) -> str | None:
    """A season written with its second year cut to two digits, either way round:
    ``۲۰۱۹-۲۰``/``۲۰-۲۰۱۹`` -> «دو هزار و نوزده، بیست»."""
    pair = sorted((first, second), key=len)
    if not (pair[0].isdigit() and pair[1].isdigit() and len(pair[0]) == 2 and len(pair[1]) == 4):
        return None
    if (int(pair[1]) + 1) % 100 != int(pair[0]):
        return None
    return f" {pair[1]}، {pair[0]} "


def _plus(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    if first.isdigit() and second.isdigit() and int(second) in _HALF_ENDS and int(first) < 16:
        first, second = second, first
    return f" {first} به علاوه {second} "


def _chain(match: re.Match[str]) -> str:
    """Numbers joined by dashes, three or more (a formation ``۴-۴-۲``): read one by one."""
    return " " + " ".join(re.findall(r"\d+", match.group(0))) + " "


def _score_or_range(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    text = match.string
    if is_score(text, match.start(), match.end(), first, second):
        return f" {first} بر {second} "
    season = SEASON.search(text, max(0, match.start() - 20), match.start()) is not None
    split = _split_season(first, second)
    if split is not None:
        return split  # «فصل ۲۱-۲۰۲۰» is the season 2020-21
    low, high = (first, second) if _value(first) <= _value(second) else (second, first)
    after = _next_word(text, match.end())
    whole = low.isdigit() and high.isdigit()
    if whole and int(low) == int(high):
        return f" {low} {high} "  # «۵۰-۵۰» is «پنجاه پنجاه»
    consecutive = whole and int(high) - int(low) == 1
    if consecutive and ((int(high) <= 10 and after in COUNTABLE) or season):
        # A pause between two long years, so «...دو» and «هزار...» do not run together.
        return f" {low} {high} " if int(high) < 100 else f" {low}، {high} "
    return f" {low} تا {high} "


RULES = (
    Rule(
        "number-chain",
        "range",
        lazy(rf"{_BEFORE}\d{{1,2}}(?: ?[-–] ?\d{{1,2}}){{2,}}(?![\d٫./-])"),
        _chain,
        needs=regex.compile(r"\d ?[-–] ?\d{1,2} ?[-–] ?\d"),
    ),
    Rule(
        "score-or-range",
        "range",
        lazy(rf"{_BEFORE}({NUMBER}) ?[-–—] ?({NUMBER})(?![\d])"),
        _score_or_range,
        needs=regex.compile(r"\d ?[-–—] ?\d"),
    ),
    Rule(
        "plus",
        "range",
        lazy(rf"{_BEFORE}({NUMBER}) ?\+ ?({NUMBER})(?![\d])"),
        _plus,
        needs=regex.compile(r"\d ?\+ ?\d"),
    ),
)

__all__ = ["COUNTABLE", "COUNTED", "RULES", "SPORTS", "is_score", "teams"]

"""Dates as a Persian reader expects them: the Jalali (Solar Hijri) calendar, Persian month names and
digits (``۱۵ آذر ۱۴۰۵``), computed by the jdatetime library. Machine-readable fields (``datetime``
attributes, RSS ``pubDate``) stay Gregorian.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jdatetime

#: Iran Standard Time; Iran has kept no daylight-saving time since 2022.
IRAN = timezone(timedelta(hours=3, minutes=30), "IRST")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
          "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")


def persian_date(moment: datetime) -> str:
    """The day of ``moment`` in Iran, in the Jalali calendar with Persian month name and digits.

    >>> from datetime import UTC
    >>> persian_date(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    '۱۵ آذر ۱۴۰۵'
    >>> persian_date(datetime(2026, 3, 20, 21, 0, tzinfo=UTC))  # 00:30 in Tehran: Nowruz
    '۱ فروردین ۱۴۰۵'
    """
    local = moment.astimezone(IRAN) if moment.tzinfo is not None else moment
    day = jdatetime.date.fromgregorian(date=local.date())
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}".translate(PERSIAN_DIGITS)

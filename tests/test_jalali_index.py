"""Jalali dates on the page, index and feed; the index links the folder's feed."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from narrator.cli import main
from narrator.publish.index import write_index
from narrator.publish.jalali import persian_date
from tests.podcast_fixtures import narrate_tones

CREATED = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # 23:30 in Tehran, 15 Azar 1405


def test_persian_dates_follow_the_jalali_calendar_in_iran() -> None:
    assert persian_date(CREATED) == "۱۵ آذر ۱۴۰۵"
    assert persian_date(datetime(2026, 12, 6, 21, 0, tzinfo=UTC)) == "۱۶ آذر ۱۴۰۵"  # past midnight there
    assert persian_date(datetime(2025, 3, 20, 12, 0, tzinfo=UTC)) == "۳۰ اسفند ۱۴۰۳"  # a leap year's end
    assert persian_date(datetime(2024, 3, 20, 12, 0, tzinfo=UTC)) == "۱ فروردین ۱۴۰۳"


def test_page_and_index_show_the_jalali_date_with_the_gregorian_for_machines(tmp_path: Path) -> None:
    result = narrate_tones(tmp_path, created=CREATED)
    page = result.path.with_name("tones.page.html").read_text("utf-8")
    assert '<time datetime="2026-12-06T20:00:00+00:00">۱۵ آذر ۱۴۰۵</time>' in page
    index = write_index(tmp_path).read_text("utf-8")
    assert '<time datetime="2026-12-06T20:00:00+00:00">۱۵ آذر ۱۴۰۵</time>' in index
    assert "۲۰۲۶" not in index and "feed.xml" not in index, "no feed yet: no link"


def test_feed_command_rewrites_the_index_with_a_link_to_the_feed(tmp_path: Path) -> None:
    narrate_tones(tmp_path, created=CREATED)
    out = io.StringIO()
    args = ["feed", str(tmp_path), "--base-url", "https://example.org/n/"]
    code = main(args, stdout=out, stderr=io.StringIO())
    assert code == 0
    assert out.getvalue().split() == [str(tmp_path / "feed.xml"), str(tmp_path / "index.html")]
    index = (tmp_path / "index.html").read_text("utf-8")
    assert '<link rel="alternate" type="application/rss+xml" title="RSS" href="feed.xml">' in index
    assert '<a href="feed.xml" type="application/rss+xml">' in index
    (tmp_path / "feed.xml").unlink()
    assert main(["page", str(tmp_path)], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert "feed.xml" not in (tmp_path / "index.html").read_text("utf-8")

"""``-o FILE.m4b`` / ``.m4a``: AAC in MP4 with chapters and tags, read back as players read it."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyloudnorm  # type: ignore[import-untyped]
import pytest
from mutagen.mp4 import MP4

from narrator.cli import main
from narrator.pipeline import Result, render
from narrator.publish.episode import PublishSettings
from narrator.publish.index import collect
from tests.audio_check import decode_mp3, ffprobe_chapters, ffprobe_format
from tests.fakes import ToneEngine
from tests.podcast_fixtures import podcast_options, tone_article, tone_runs
from tests.test_tags import make_image

CREATED = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
ARTICLE = "گزارش کوتاه\nامروز در تهران هوا آفتابی بود و مردم به پارک‌ها رفتند.\nفردا هوا سردتر می‌شود.\n"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    folder = tmp_path_factory.mktemp("m4b")
    cover = make_image(folder / "cover.png")
    publish = PublishSettings(album="آلبوم", source="https://example.org/x", cover=cover, created=CREATED)
    done = render(tone_article(), ToneEngine(), folder / "book.m4b", podcast_options(publish))
    return done, cover


def test_m4b_is_aac_in_mp4_with_every_chapter_in_order(result: tuple[Result, Path]) -> None:
    done, _ = result
    info = ffprobe_format(done.path)
    fmt = info["format"]
    assert isinstance(fmt, dict) and "mp4" in fmt["format_name"]
    assert fmt["tags"]["major_brand"].strip() == "M4B"
    streams = info["streams"]
    assert isinstance(streams, list)
    assert streams[0]["codec_name"] == "aac" and streams[0]["channels"] == 1
    chapters = ffprobe_chapters(done.path)
    assert [c.title for c in chapters] == [c.title for c in done.timeline.chapters]
    for probed, planned in zip(chapters, done.timeline.chapters, strict=True):
        assert abs(probed.start_ms - planned.start_ms) <= 50
    assert abs(float(fmt["duration"]) * 1000 - done.timeline.duration_ms) <= 50


def test_m4b_tags_read_back(result: tuple[Result, Path]) -> None:
    done, cover = result
    tags = MP4(done.path).tags
    assert tags is not None
    assert tags["\xa9nam"] == [done.article.title]
    assert tags["\xa9ART"] == ["tone (fa)"]
    assert tags["\xa9alb"] == ["آلبوم"]
    assert tags["\xa9lyr"] == ["\n\n".join(p.written for p in done.article.paragraphs)]
    assert bytes(tags["covr"][0]) == cover.read_bytes()
    assert tags["stik"] == [2]


def test_m4b_audio_is_where_the_timeline_says_and_at_the_loudness_target(result: tuple[Result, Path]) -> None:
    done, _ = result
    audio = decode_mp3(done.path)  # ffmpeg decodes any format, honouring the MP4 edit list
    runs = tone_runs(audio, 44100)
    assert len(runs) == len(done.timeline.cues)
    for (start, end), cue in zip(runs, done.timeline.cues, strict=True):
        assert abs(start - cue.start_ms) <= 30 and abs(end - cue.end_ms) <= 30
    loudness = pyloudnorm.Meter(44100).integrated_loudness(audio.astype(np.float64) / 32768)
    assert abs(loudness - (-16.0)) <= 0.5
    assert done.loudness is not None and abs(done.loudness.output_lufs - loudness) <= 0.3


def test_m4b_has_the_sidecars_of_an_mp3(result: tuple[Result, Path]) -> None:
    done, _ = result
    folder = done.path.parent
    manifest = json.loads((folder / "book.json").read_text("utf-8"))
    assert manifest["files"]["mp3"] == "book.m4b"
    for name in ("book.vtt", "book.srt", "book.chapters.json", "book.page.html"):
        assert (folder / name).is_file()
    chapters = json.loads((folder / "book.chapters.json").read_text("utf-8"))
    assert chapters["fileName"] == "book.m4b"
    assert 'src="book.m4b"' in (folder / "book.page.html").read_text("utf-8")


def test_same_input_gives_the_same_m4b_bytes(result: tuple[Result, Path], tmp_path: Path) -> None:
    done, cover = result
    publish = PublishSettings(album="آلبوم", source="https://example.org/x", cover=cover, created=CREATED)
    again = render(tone_article(), ToneEngine(), tmp_path / "book.m4b", podcast_options(publish))
    assert again.path.read_bytes() == done.path.read_bytes()


def test_cli_narrates_to_m4a_and_the_feed_lists_it(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = io.StringIO()
    target = tmp_path / "site" / "news.m4a"
    args = ["narrate", str(article), "-o", str(target), "--ezafe", "off"]
    assert main(args, stdout=out, stderr=io.StringIO()) == 0
    assert out.getvalue().split() == [str(target)]
    assert ffprobe_format(target)["streams"][0]["codec_name"] == "aac"  # type: ignore[index]
    assert len(ffprobe_chapters(target)) == 3  # the title line is narrated too
    code = main(["feed", str(target.parent), "--base-url", "https://example.org/"],
                stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0
    (enclosure,) = ET.parse(target.parent / "feed.xml").getroot().iter("enclosure")
    assert enclosure.get("url") == "https://example.org/news.m4a"
    assert enclosure.get("type") == "audio/x-m4a"
    assert int(enclosure.get("length", "0")) == target.stat().st_size
    assert 'href="news.page.html"' in (target.parent / "index.html").read_text("utf-8")


def test_index_reads_an_m4b_without_manifest_from_its_tags(
    result: tuple[Result, Path], tmp_path: Path
) -> None:
    done, _ = result
    copy = tmp_path / "copy.m4b"
    copy.write_bytes(done.path.read_bytes())
    (entry,) = collect(tmp_path)
    assert (entry.title, entry.audio, entry.page) == (done.article.title, "copy.m4b", None)
    assert abs(entry.duration_ms - done.timeline.duration_ms) <= 50

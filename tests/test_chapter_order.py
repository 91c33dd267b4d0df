"""CHAP frames in start order: ffprobe, ffmpeg conversions and naive players agree with the CTOC."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from narrator.audio.encoder import encode_segment
from narrator.audio_settings import EncodeSettings
from narrator.ffmpeg import ffmpeg_exe
from narrator.model import ChapterMark, Timeline
from narrator.publish.id3 import TagInfo, chapter_id, chapters_in_start_order, write_tags
from tests.audio_check import ffprobe_exe

RATE = 44100
# Titles of very different lengths: mutagen alone sorts the frames by size, i.e. out of order.
TITLES = ("کوتاه", "عنوانی بسیار بسیار بلندتر از بقیه برای این فصل", "دو", "فصل چهارم کمی بلند",
          "ی", "فصل ششم با عنوانی که از همه درازتر است تا ترتیب به هم بخورد", "هفتم", "هشتمین فصل",
          "نهم")
CHAPTER_MS = 2_300


def raw_ffprobe_chapters(path: Path) -> list[tuple[int, str]]:
    """Chapters in the order ffprobe lists them (not sorted): start ms and title."""
    proc = subprocess.run(
        [ffprobe_exe(), "-v", "error", "-show_chapters", "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    )
    return [
        (round(float(c["start_time"]) * 1000), c["tags"]["title"])
        for c in json.loads(proc.stdout)["chapters"]
    ]


@pytest.fixture(scope="module")
def chaptered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Timeline]:
    folder = tmp_path_factory.mktemp("order")
    path = folder / "book.mp3"
    total = CHAPTER_MS * len(TITLES)
    path.write_bytes(encode_segment(bytes(2 * RATE * total // 1000), RATE, EncodeSettings()))
    chapters = tuple(
        ChapterMark(i * CHAPTER_MS, (i + 1) * CHAPTER_MS, title) for i, title in enumerate(TITLES)
    )
    timeline = Timeline(duration_ms=total, chapters=chapters, cues=())
    write_tags(path, TagInfo(title="کتاب"), timeline)
    return path, timeline


def test_chap_frames_are_written_in_start_order(chaptered: tuple[Path, Timeline]) -> None:
    path, timeline = chaptered
    listed = raw_ffprobe_chapters(path)
    assert listed == [(c.start_ms, c.title) for c in timeline.chapters]
    tags = ID3(path)
    assert tags["CTOC:toc"].child_element_ids == [chapter_id(i) for i in range(len(TITLES))]
    assert [tags[f"CHAP:{chapter_id(i)}"].start_time for i in range(len(TITLES))] == [
        c.start_ms for c in timeline.chapters
    ]


def test_ffmpeg_conversion_to_m4a_keeps_every_chapter(
    chaptered: tuple[Path, Timeline], tmp_path: Path
) -> None:
    path, timeline = chaptered
    m4a = tmp_path / "book.m4a"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-map_chapters", "0", "-c:a", "aac", str(m4a)],
        check=True,
    )
    listed = raw_ffprobe_chapters(m4a)
    assert [title for _, title in listed] == list(TITLES)
    for (start, _), chapter in zip(listed, timeline.chapters, strict=True):
        assert abs(start - chapter.start_ms) <= 50


def test_element_ids_sort_as_the_chapters_do() -> None:
    ids = [chapter_id(i, 12_000) for i in range(12_000)]
    assert ids == sorted(ids)
    assert chapter_id(0) == "ch0001"


def test_other_frames_keep_their_place_and_chaps_follow_the_toc() -> None:
    def frame(kind: bytes, body: bytes) -> bytes:
        return kind + len(body).to_bytes(4, "big") + b"\0\0" + body

    def chap(name: bytes, start: int) -> bytes:
        return frame(b"CHAP", name + b"\0" + start.to_bytes(4, "big") + bytes(12))

    frames = [
        frame(b"TIT2", b"x"), chap(b"b", 900), frame(b"CTOC", b"t"), chap(b"a", 5), frame(b"APIC", b"p")
    ]
    ordered = chapters_in_start_order(frames)
    assert ordered == [frames[0], frames[2], frames[3], frames[1], frames[4]]

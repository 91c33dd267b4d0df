"""ID3v2.3 tags and the MP3 format, read back with mutagen, ffprobe and the raw bytes."""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3, BitrateMode

from narrator.audio.encoder import encode_segment
from narrator.audio_settings import EncodeSettings
from narrator.cli import main
from narrator.errors import InputError
from narrator.ffmpeg import ffmpeg_exe
from narrator.model import ChapterMark, Timeline
from narrator.publish.cover import load_cover
from narrator.publish.episode import PublishSettings
from narrator.publish.id3 import TagInfo, write_tags
from tests.audio_check import ffprobe_chapters, ffprobe_format
from tests.conftest import SEED
from tests.podcast_fixtures import narrate_tones, podcast_options, tone_article

ALBUM = "همشهری آنلاین"
SOURCE = "https://example.org/خبر/۱۲۳"
CREATED = datetime(2026, 3, 21, 9, 30, tzinfo=UTC)


def make_image(path: Path) -> Path:
    """A real 16x16 image (PNG or JPEG by the suffix), drawn by ffmpeg."""
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=teal:s=16x16",
         "-frames:v", "1", str(path)],
        check=True,
    )
    return path


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tags")
    cover = make_image(folder / "cover.png")
    publish = PublishSettings(album=ALBUM, source=SOURCE, cover=cover, created=CREATED)
    result = narrate_tones(folder, options=podcast_options(publish))
    return result.path, cover


def test_tags_are_id3v23_with_every_field(tagged: tuple[Path, Path]) -> None:
    path, cover = tagged
    tags = ID3(path)
    article = tone_article()
    assert tags.version == (2, 3, 0)
    assert tags["TIT2"].text == [article.title]
    assert tags["TPE1"].text == ["tone (fa)"], "the artist is the voice: engine and voice name"
    assert tags["TALB"].text == [ALBUM]
    assert tags["TLAN"].text == ["fas"]
    assert tags["TCON"].text == ["Podcast"]
    assert str(tags["TDRC"].text[0]).startswith("2026-03-21")
    (comment,) = tags.getall("COMM")
    assert comment.text == [SOURCE] and comment.lang == "fas"
    (lyrics,) = tags.getall("USLT")
    assert lyrics.lang == "fas"
    assert lyrics.text == "\n\n".join(p.written for p in article.paragraphs)
    (picture,) = tags.getall("APIC")
    assert picture.mime == "image/png" and picture.type == 3 and picture.data == cover.read_bytes()


def test_date_is_stored_as_v23_frames(tagged: tuple[Path, Path]) -> None:
    raw = ID3(tagged[0], translate=False)
    assert raw["TYER"].text == ["2026"]
    assert raw["TDAT"].text == ["2103"]  # DDMM
    assert "TDRC" not in raw


def test_chapters_stay_listed_under_an_ordered_top_level_toc(tagged: tuple[Path, Path]) -> None:
    tags = ID3(tagged[0])
    (toc,) = tags.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    chapters = {c.element_id: c for c in tags.getall("CHAP")}
    assert list(toc.child_element_ids) == sorted(chapters, key=lambda i: chapters[i].start_time)
    assert len(chapters) == len(tone_article().paragraphs)


def test_ffprobe_reads_the_tags_chapters_and_cover(tagged: tuple[Path, Path]) -> None:
    path, _ = tagged
    info = ffprobe_format(path)
    tags = {k.lower(): v for k, v in info["format"]["tags"].items()}  # type: ignore[index]
    article = tone_article()
    assert tags["title"] == article.title
    assert tags["artist"] == "tone (fa)" and tags["album"] == ALBUM and tags["genre"] == "Podcast"
    assert tags["date"].startswith("2026")
    chapters = ffprobe_chapters(path)
    chaps = sorted(ID3(path).getall("CHAP"), key=lambda c: c.start_time)
    mutagen_titles = [c.sub_frames["TIT2"].text[0] for c in chaps]
    assert [c.title for c in chapters] == mutagen_titles
    codecs = [s["codec_name"] for s in info["streams"]]  # type: ignore[attr-defined]
    assert codecs == ["mp3", "png"]


@dataclass(frozen=True)
class Format:
    """What mutagen reads from the MP3's frames and Xing header."""

    channels: int
    sample_rate: int
    bitrate: int
    cbr: bool
    length: float


def _info(path: Path) -> Format:
    info: Any = MP3(path).info
    cbr = info.bitrate_mode == BitrateMode.CBR
    return Format(int(info.channels), int(info.sample_rate), int(info.bitrate), cbr, float(info.length))


def _first_frame(data: bytes) -> bytes:
    """The first MPEG audio frame after the ID3v2 tag (its size read from the tag header)."""
    assert data[:3] == b"ID3"
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    start = 10 + size
    assert data[start] == 0xFF and data[start + 1] & 0xE0 == 0xE0, "an MPEG frame follows the tag"
    return data[start : start + 417]


def test_xing_info_and_lame_headers_are_present(tagged: tuple[Path, Path]) -> None:
    path, _ = tagged
    frame = _first_frame(path.read_bytes())
    offset = 4 + 17  # MPEG-1 mono: the header, then 17 bytes of side information
    assert frame[offset : offset + 4] == b"Info", "a CBR file carries an 'Info' (Xing) header"
    flags = int.from_bytes(frame[offset + 4 : offset + 8], "big")
    assert flags & 0x1 and flags & 0x2, "frame count and byte count are present"
    frames = int.from_bytes(frame[offset + 8 : offset + 12], "big")
    lame = offset + 8 + sum(size for bit, size in ((1, 4), (2, 4), (4, 100), (8, 4)) if flags & bit)
    assert frame[lame : lame + 4] == b"LAME"
    info = _info(path)
    assert info.cbr
    assert abs(info.length - frames * 1152 / 44100) < 0.2


def test_default_format_is_mono_44k_64kbps_cbr(tagged: tuple[Path, Path]) -> None:
    info = _info(tagged[0])
    assert (info.channels, info.sample_rate) == (1, 44100)
    # every frame is a 64 kbit/s frame; mutagen averages the bytes, and each paragraph's segment
    # restarts LAME's padding-slot pattern, so the average is a few bit/s under 64000
    assert abs(info.bitrate - 64000) <= 64


def test_bitrate_and_sample_rate_are_configurable(tmp_path: Path) -> None:
    options = replace(podcast_options(), encode=EncodeSettings(sample_rate=48000, bitrate_kbps=96))
    result = narrate_tones(tmp_path, options=options)
    info = _info(result.path)
    assert (info.channels, info.sample_rate, info.bitrate) == (1, 48000, 96000)
    assert result.manifest is not None and result.manifest.audio.sample_rate == 48000


def test_jpeg_cover_is_accepted_by_its_bytes(tmp_path: Path) -> None:
    jpeg = make_image(tmp_path / "cover.jpg")
    renamed = jpeg.rename(tmp_path / "cover.png")  # the name lies; the bytes decide
    assert load_cover(renamed).mime == "image/jpeg"


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    code = main(argv, stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


def test_a_cover_that_is_not_an_image_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    fake = tmp_path / "cover.jpg"
    fake.write_text("not a picture", "utf-8")
    out = tmp_path / "out"
    code, err = _run(["narrate", str(SEED), "--engine", "espeak", "--cover", str(fake), "-o", str(out)])
    assert code == 1
    assert err == f"narrator: error: {fake}: the cover is not a JPEG or PNG image\n"
    assert not out.exists() or not any(out.iterdir())
    with pytest.raises(InputError, match="no such cover image"):
        load_cover(tmp_path / "missing.png")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--bitrate", "50", "bitrate 50 kbit/s is not one of 64, 80"),
        ("--sample-rate", "22050", "sample rate 22050 Hz is not one of 32000, 44100, 48000"),
    ],
)
def test_bad_encoding_settings_are_one_line_errors(
    option: str, value: str, message: str, tmp_path: Path
) -> None:
    code, err = _run(["narrate", str(SEED), "--engine", "espeak", option, value, "-o", str(tmp_path / "o")])
    assert code == 1 and err.startswith(f"narrator: error: {message}") and err.count("\n") == 1


def test_more_than_255_chapters_are_listed_through_sub_tables(tmp_path: Path) -> None:
    path = tmp_path / "many.mp3"
    path.write_bytes(encode_segment(bytes(2 * 16000 * 4), 16000, EncodeSettings()))
    chapters = tuple(ChapterMark(i * 10, (i + 1) * 10, f"فصل {i}") for i in range(300))
    write_tags(path, TagInfo(title="بلند"), Timeline(duration_ms=3000, chapters=chapters, cues=()))
    tags = ID3(path)
    tocs = {t.element_id: t for t in tags.getall("CTOC")}
    top = [t for t in tocs.values() if t.flags & CTOCFlags.TOP_LEVEL]
    assert len(top) == 1 and list(top[0].child_element_ids) == ["toc0", "toc1"]
    listed = [c for sub in top[0].child_element_ids for c in tocs[sub].child_element_ids]
    starts = {c.element_id: c.start_time for c in tags.getall("CHAP")}
    assert [starts[c] for c in listed] == [c.start_ms for c in chapters]
    assert [c.title for c in ffprobe_chapters(path)] == [c.title for c in chapters]

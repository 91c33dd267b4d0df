"""The seed article narrated offline with espeak-ng, read back as a player would."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from narrator.cli import main
from narrator.files import NarrationFiles
from narrator.pipeline import load_article
from tests.audio_check import decode_mp3, ffprobe_chapters, ffprobe_format

PERSIAN = re.compile("[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import SEED

    out_dir = tmp_path_factory.mktemp("out")
    stdout = io.StringIO()
    code = main(["narrate", str(SEED), "-o", str(out_dir)], stdout=stdout, stderr=io.StringIO())
    assert code == 0
    path = out_dir / f"{SEED.stem}.mp3"
    assert stdout.getvalue().split() == [str(p) for p in NarrationFiles.beside(path).all()]
    return path


def test_mp3_decodes_and_duration_matches_chapters(narrated: Path) -> None:
    audio = decode_mp3(narrated)
    decoded_ms = len(audio) * 1000 / 44100
    chapters = ffprobe_chapters(narrated)
    assert decoded_ms > 60_000, "the seed is several minutes of speech"
    assert chapters[0].start_ms == 0
    assert abs(chapters[-1].end_ms - decoded_ms) <= 30
    total = sum(c.end_ms - c.start_ms for c in chapters)
    assert abs(total - decoded_ms) <= 30
    assert abs(audio.astype("int32")).max() > 3000, "the narration is not silent"


def test_one_chapter_per_narrated_paragraph(narrated: Path, seed: Path) -> None:
    article = load_article(seed)
    prose_lines = [line for line in seed.read_text("utf-8").splitlines() if line.strip()]
    assert len(article.paragraphs) == len(prose_lines) - 1  # the source line is not narrated
    tags = ID3(narrated)
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert len(chaps) == len(article.paragraphs)
    for previous, current in itertools.pairwise(chaps):
        assert previous.end_time == current.start_time, "chapters are contiguous"
    for chap, paragraph in zip(chaps, article.paragraphs, strict=True):
        title = chap.sub_frames["TIT2"].text[0]
        assert PERSIAN.search(title)
        assert paragraph.written.startswith(title.rstrip("…"))


def test_ctoc_is_top_level_ordered_and_titled(narrated: Path) -> None:
    tags = ID3(narrated)
    assert tags.version == (2, 3, 0)
    (toc,) = tags.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert toc.sub_frames["TIT2"].text[0] == tags["TIT2"].text[0]
    starts = {c.element_id: c.start_time for c in tags.getall("CHAP")}
    ordered = [starts[i] for i in toc.child_element_ids]
    assert ordered == sorted(ordered) and len(ordered) == len(starts)
    assert tags["TLAN"].text == ["fas"]
    assert tags["TIT2"].text[0].startswith("پترون")


def test_ffprobe_and_mutagen_agree(narrated: Path) -> None:
    probed = ffprobe_chapters(narrated)
    chaps = sorted(ID3(narrated).getall("CHAP"), key=lambda c: c.start_time)
    assert [(c.start_ms, c.end_ms, c.title) for c in probed] == [
        (c.start_time, c.end_time, c.sub_frames["TIT2"].text[0]) for c in chaps
    ]
    info = MP3(narrated).info
    assert info is not None
    assert info.sample_rate == 44100 and info.channels == 1
    fmt = ffprobe_format(narrated)
    stream = fmt["streams"][0]
    assert stream["codec_name"] == "mp3"


def test_text_of_seed_has_no_digits_and_no_source(seed: Path) -> None:
    out = io.StringIO()
    assert main(["text", str(seed)], stdout=out) == 0
    text = out.getvalue()
    assert not re.search(r"\d", text), "no digit of any script"
    assert "منبع" not in text
    assert "هزار و ششصد" in text and "یک هزار" not in text
    paragraphs = text.strip().split("\n\n")
    assert len(paragraphs) == 9


def test_text_reads_standard_input() -> None:
    data = "قیمت ۱۲٫۳ درصد بالا رفت. این خبر است.\n\nپاراگراف دوم.".encode()
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out = io.StringIO()
    assert main(["text", "-", "--ezafe", "off"], stdout=out, stdin=stdin) == 0
    paragraphs = out.getvalue().strip().split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].splitlines()[0].startswith("قیمت دوازده و سه دهم درصد")
    assert len(paragraphs[0].splitlines()) == 2

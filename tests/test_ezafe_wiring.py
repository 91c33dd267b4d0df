"""The ezafe in the pipeline: marked in what the engine hears, never in what people read."""

from __future__ import annotations

import io
from pathlib import Path

from mutagen.id3 import ID3

from narrator.cli import main

MARKS = ("\u0650", "\u0654")  # kasra, hamza above


def spoken(seed: Path, mode: str) -> str:
    out = io.StringIO()
    assert main(["text", str(seed), "--ezafe", mode], stdout=out, stderr=io.StringIO()) == 0
    return out.getvalue()


def test_text_shows_the_marks_the_engine_receives(seed: Path) -> None:
    marked, bare = spoken(seed, "on"), spoken(seed, "off")
    assert not any(m in bare for m in MARKS)
    assert "مدیرکلِ تعاون" in marked or "مدیرکل\u0650 تعاون" in marked
    assert marked.count("\u0650") > 20
    stripped = marked
    for mark in MARKS:
        stripped = stripped.replace(mark, "")
    assert stripped.replace("\u200c\u06cc", "").replace("\u06cc\u200c", "") == bare.replace(
        "\u200c\u06cc", "").replace("\u06cc\u200c", "")


def test_transcripts_and_tags_keep_the_written_text(tmp_path: Path, seed: Path) -> None:
    argv = ["narrate", str(seed), "--engine", "espeak", "--ezafe", "on", "-o", str(tmp_path), "--no-cache"]
    code = main(argv, stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0
    mp3 = tmp_path / f"{seed.stem}.mp3"
    tags = ID3(mp3)
    readable = [c.sub_frames["TIT2"].text[0] for c in tags.getall("CHAP")] + [tags["TIT2"].text[0]]
    for sidecar in tmp_path.glob(f"{seed.stem}.*"):
        if sidecar.name.endswith((".vtt", ".srt", ".chapters.json", ".html")):  # the manifest keeps both
            readable.append(sidecar.read_text("utf-8"))
    assert len(readable) > 12
    for text in readable:
        assert "\u0650" not in text, text[:80]

"""The ezafe in the pipeline: marked in what the engine hears, never in what people read."""

from __future__ import annotations

import io
from pathlib import Path

from mutagen.id3 import ID3

from narrator.cli import main
from narrator.engines.base import EngineOptions
from narrator.engines.cache import CachedEngine, ClipCache
from narrator.engines.registry import create_engine
from narrator.pipeline import with_ezafe
from narrator.text import prepare

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


def test_auto_marks_the_ezafe_only_for_engines_that_read_through_espeak() -> None:
    article = prepare("قیمت نفت خام امروز بالا رفت.")
    spoken = {
        name: with_ezafe(article, "auto", create_engine(name, EngineOptions()).reads_through_espeak)
        .sentences[0].spoken
        for name in ("espeak", "piper", "edge")
    }
    assert "\u0650" in spoken["espeak"] and spoken["piper"] == spoken["espeak"]
    assert spoken["edge"] == article.sentences[0].spoken and "\u0650" not in spoken["edge"]
    assert with_ezafe(article, "on", False).sentences[0].spoken == spoken["espeak"]
    assert with_ezafe(article, "off", True) == article
    inner = create_engine("piper", EngineOptions())
    assert CachedEngine(inner, ClipCache(Path("/nonexistent"))).reads_through_espeak is True

"""Same article, same settings: the same audio bytes, however and wherever it is narrated."""

from __future__ import annotations

import io
import json
from pathlib import Path

from narrator.cli import main
from narrator.engines.base import EngineOptions
from narrator.engines.espeak import EspeakEngine


def audio_stream(path: Path) -> bytes:
    """The MP3's bytes after its ID3v2 tag (the tag holds dates and paths; the audio must not)."""
    data = path.read_bytes()
    assert data[:3] == b"ID3"
    size = 0
    for byte in data[6:10]:
        size = size * 128 + byte
    return data[10 + size :]


def narrate(seed: Path, target: Path, *extra: str) -> None:
    argv = ["narrate", str(seed), "--engine", "espeak", "-o", str(target), "-q", *extra]
    assert main(argv, stdout=io.StringIO(), stderr=io.StringIO()) == 0


def test_espeak_speaks_a_sentence_the_same_whatever_came_before() -> None:
    engine = EspeakEngine(EngineOptions())
    first, other = "امروز هوا بسیار خوب بود و ما به پارک رفتیم.", "سلام دنیا، این یک آزمایش است."
    alone = engine.synthesize(first).pcm
    engine.synthesize(other)
    assert engine.synthesize(first).pcm == alone
    assert engine.synthesize(first).pcm == alone


def test_five_ways_give_one_audio_stream(tmp_path: Path, seed: Path) -> None:
    outputs = []
    for n in range(3):  # a fresh cache each time, a different folder each time
        target = tmp_path / f"fresh{n}" / "out.mp3"
        narrate(seed, target, "--cache-dir", str(tmp_path / f"cache{n}"))
        outputs.append(target)
    warm = tmp_path / "warm" / "elsewhere.mp3"
    narrate(seed, warm, "--cache-dir", str(tmp_path / "cache0"))
    uncached = tmp_path / "nocache" / "out.mp3"
    narrate(seed, uncached, "--no-cache")
    streams = {audio_stream(p) for p in [*outputs, warm, uncached]}
    assert len(streams) == 1


def edited(seed: Path, folder: Path, line: int, text: str) -> Path:
    lines = seed.read_text("utf-8").splitlines()
    lines[line] = text
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / seed.name
    path.write_text("\n".join(lines), "utf-8")
    return path


def test_an_edit_reencodes_only_its_paragraph_whatever_the_target(tmp_path: Path, seed: Path) -> None:
    cache = tmp_path / "cache"
    narrate(seed, tmp_path / "first" / "a.mp3", "--cache-dir", str(cache))
    segments = len(list(cache.glob("*/*.mp3")))
    gain = json.loads((tmp_path / "first" / "a.json").read_text("utf-8"))["loudness"]["gain_db"]
    paragraphs = [n for n, text in enumerate(seed.read_text("utf-8").splitlines()) if text.strip()]
    edits = (
        ("start", paragraphs[1], "وی افزود: این جمله تازه است و پیش از این گفته نشده بود."),
        ("middle", paragraphs[len(paragraphs) // 2], "او گفت: کار این کارخانه از سال آینده آغاز می‌شود."),
    )
    for where, line, text in edits:
        target = tmp_path / where / "b.mp3"  # a new target: nothing of the first narration there
        narrate(edited(seed, tmp_path / f"in-{where}", line, text), target, "--cache-dir", str(cache))
        manifest = json.loads(target.with_suffix(".json").read_text("utf-8"))
        assert manifest["loudness"]["gain_db"] == gain, "a small edit keeps the gain"
        now = len(list(cache.glob("*/*.mp3")))
        assert now == segments + 1, f"editing the {where} encoded {now - segments} segments"
        segments = now


def test_warmed_helpers_are_the_ones_that_speak_and_speak_the_same() -> None:
    """Templates started early (while the text is prepared) serve the sentences, one per core, and
    a sentence from a warmed template is the same samples as from one started on demand."""
    from narrator.cores import cpu_count
    from narrator.engines.espeak_fresh import FreshPool
    from narrator.engines.espeak_serve import Request

    text = "قیمت نفت خام امروز بالا رفت."
    cold = FreshPool()
    try:
        on_demand = cold.speak(Request("fa", None, None, text))
    finally:
        cold.close()
    warm = FreshPool()
    try:
        warm.warm(Request("fa", None, None, ""), cpu_count())
        started = list(warm._all)
        assert len(started) == cpu_count()
        warm.warm(Request("fa", None, None, "ignored"), cpu_count())  # topped up, not doubled
        assert warm._all == started
        assert warm.speak(Request("fa", None, None, text)) == on_demand
        assert warm._all == started, "no template started on demand"
    finally:
        warm.close()


def test_answers_are_framed_without_copying_the_samples() -> None:
    """A child's answer is its header and events, then the samples written from their own buffer;
    the pool reads each part into a buffer of its own. A failure carries its message; a stream cut
    short is no answer."""
    import io

    from narrator.engines.espeak_serve import FAILED, OK, read_answer, write_frame

    samples = bytearray(range(256)) * 1000
    timing = b"[[0, 4, 0]]"
    stream = io.BytesIO()
    write_frame(stream, OK + len(timing).to_bytes(8, "little") + timing, samples)
    write_frame(stream, FAILED + b"no voice")
    whole = stream.getvalue()
    stream.seek(0)
    assert read_answer(stream) == (OK, timing, bytes(samples))
    assert read_answer(stream) == (FAILED, b"no voice", b"")
    assert read_answer(stream) is None
    for cut in (5, 9, 15, 30, len(whole) // 3):
        assert read_answer(io.BytesIO(whole[:cut])) is None
    # a header that claims less than its own events, or no message, or another status, or more
    # than any sentence: no answer, and nothing read past the header
    for size, status, read in ((20, OK, 17), (0, FAILED, 9), (5, b"\x07", 9), (1 << 40, OK, 9)):
        stream = io.BytesIO(size.to_bytes(8, "little") + status + (50).to_bytes(8, "little") + bytes(100))
        assert read_answer(stream) is None
        assert stream.tell() == read, (size, status)

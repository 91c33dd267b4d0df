"""The synthesis cache: hits, misses, damaged entries, LRU eviction and the cache command."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from narrator.cli import main
from narrator.engines.cache import CachedEngine, ClipCache
from tests.fakes import ToneEngine


def test_second_synthesis_of_the_same_text_is_a_hit(tmp_path: Path) -> None:
    tone = ToneEngine()
    engine = CachedEngine(tone, ClipCache(tmp_path))
    first = engine.synthesize("سلام")
    second = engine.synthesize("سلام")
    assert first == second
    assert (engine.hits, engine.misses) == (1, 1)
    assert tone.spoken == ["سلام"]


def test_settings_are_part_of_the_key(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    slow, fast = ToneEngine(sample_rate=16000), ToneEngine(sample_rate=8000)
    CachedEngine(slow, cache).synthesize("متن")
    clip = CachedEngine(fast, cache).synthesize("متن")
    assert clip.sample_rate == 8000 and fast.spoken == ["متن"]


def test_damaged_entry_is_resynthesized(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    tone = ToneEngine()
    CachedEngine(tone, cache).synthesize("خبر")
    (entry,) = tmp_path.glob("*/*.clip")
    entry.write_bytes(b"NRC2\xff\xff")
    clip = CachedEngine(tone, cache).synthesize("خبر")
    assert clip.frames > 0 and tone.spoken == ["خبر", "خبر"]


def test_least_recently_used_entries_are_evicted(tmp_path: Path) -> None:
    tone = ToneEngine()
    big = ClipCache(tmp_path)
    engine = CachedEngine(tone, big)
    for text in ["الف", "بتپ", "ثجچ"]:
        engine.synthesize(text * 20)
    entries = sorted(tmp_path.glob("*/*.clip"))
    size = entries[0].stat().st_size
    now = time.time()
    for age, text in enumerate(["الف", "بتپ", "ثجچ"]):  # الف oldest, then بتپ, then ثجچ
        path = next(p for p in entries if p.stem == ClipCache.clip_key(tone.settings_key(), text * 20))
        os.utime(path, (now - 100 + age, now - 100 + age))
    engine.synthesize("الف" * 20)  # a hit makes الف the most recently used
    small = ClipCache(tmp_path, limit_bytes=2 * size)
    assert small.prune() == 1
    left = {p.stem for p in tmp_path.glob("*/*.clip")}
    assert ClipCache.clip_key(tone.settings_key(), "بتپ" * 20) not in left
    assert ClipCache.clip_key(tone.settings_key(), "الف" * 20) in left


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    engine = CachedEngine(ToneEngine(), ClipCache(tmp_path))
    for n in range(5):
        engine.synthesize("متن" * (n + 1))
    assert [p.name for p in tmp_path.rglob(".narrator-*")] == []


def test_cache_info_and_clear_commands(tmp_path: Path) -> None:
    engine = CachedEngine(ToneEngine(), ClipCache(tmp_path))
    engine.synthesize("یک")
    engine.synthesize("دو")
    out = io.StringIO()
    assert main(["cache", "info", "--cache-dir", str(tmp_path)], stdout=out) == 0
    assert "entries\t2" in out.getvalue() and str(tmp_path) in out.getvalue()
    out = io.StringIO()
    assert main(["cache", "clear", "--cache-dir", str(tmp_path)], stdout=out) == 0
    assert "removed 2 entries" in out.getvalue()
    assert list(tmp_path.glob("*/*.clip")) == []


def test_renarration_reuses_unchanged_sentences(tmp_path: Path, seed: Path) -> None:
    cache_dir, out_dir = tmp_path / "cache", tmp_path / "out"
    args = ["narrate", "--cache-dir", str(cache_dir), "-o", str(out_dir), "-q"]
    assert main([*args, str(seed)], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    entries = len(list(cache_dir.glob("*/*.clip")))
    segments = len(list(cache_dir.glob("*/*.mp3")))
    assert segments == 9  # one encoded segment per paragraph
    lines = seed.read_text("utf-8").splitlines()
    lines[2] = "وی افزود: این جمله تازه است."
    edited = tmp_path / seed.name
    edited.write_text("\n".join(lines), "utf-8")
    assert main([*args, str(edited)], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert len(list(cache_dir.glob("*/*.clip"))) == entries + 1  # only the new sentence was spoken
    # the earlier loudness gain still fits, so only the edited paragraph was encoded again
    assert len(list(cache_dir.glob("*/*.mp3"))) == segments + 1


def test_a_truncated_entry_is_not_taken_for_audio(tmp_path: Path) -> None:
    tone = ToneEngine()
    CachedEngine(tone, ClipCache(tmp_path)).synthesize("خبر کوتاه")
    (entry,) = tmp_path.glob("*/*.clip")
    entry.write_bytes(entry.read_bytes()[:-100])  # as a disk or power failure might leave it
    clip = CachedEngine(tone, ClipCache(tmp_path)).synthesize("خبر کوتاه")
    assert clip.duration_ms == ToneEngine.duration_ms("خبر کوتاه") and len(tone.spoken) == 2


def test_prune_counts_the_entries_only_when_the_ledger_says_the_limit_may_be_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache is counted (a ``stat`` of every entry) on the first prune, then only when the bytes
    written since, as the ledger adds them up, could take it past its limit."""
    from narrator.blobcache import LEDGER_NAME, BlobCache

    cache = BlobCache(tmp_path, limit_bytes=10_000)
    for n in range(3):
        cache.put(BlobCache.key(str(n)), "bin", bytes(1000))
    counted: list[int] = []
    real = BlobCache._entries

    def counting(self: BlobCache) -> list[tuple[float, int, Path]]:
        found = real(self)
        counted.append(len(found))
        return found

    monkeypatch.setattr(BlobCache, "_entries", counting)
    assert cache.prune() == 0 and counted == [3], "no ledger yet: counted"
    size = sum(p.stat().st_size for p in tmp_path.glob("??/*.*"))
    assert (tmp_path / LEDGER_NAME).read_text() == f"= {size}\n"
    for n in range(3, 6):
        cache.put(BlobCache.key(str(n)), "bin", bytes(1000))
    assert cache.prune() == 0 and counted == [3], "within the limit by the ledger: not counted"
    assert (tmp_path / LEDGER_NAME).read_text().splitlines()[1:] == [f"+ {size // 3}"] * 3
    for n in range(6, 12):
        cache.put(BlobCache.key(str(n)), "bin", bytes(1000))
    assert cache.prune() > 0 and counted == [3, 12], "past the limit: counted, and evicted"
    left = sum(p.stat().st_size for p in tmp_path.glob("??/*.*"))
    assert left <= 10_000 and (tmp_path / LEDGER_NAME).read_text() == f"= {left}\n"

    (tmp_path / LEDGER_NAME).write_text("= many\n")  # damaged: counted again
    assert cache.prune() == 0 and len(counted) == 3
    assert BlobCache(tmp_path, limit_bytes=left - 1).prune() == 1, "a smaller limit: counted"
    assert cache.clear() > 0 and not (tmp_path / LEDGER_NAME).exists()


def test_what_a_process_writes_is_in_the_ledger_though_it_never_prunes(tmp_path: Path) -> None:
    """Entries written by runs that end before pruning (a failed narration, ``narrator say``, other
    processes) still count: the next prune sees the cache past its limit and evicts."""
    import subprocess
    import sys

    from narrator.blobcache import BlobCache

    cache = BlobCache(tmp_path, limit_bytes=20_000)
    assert cache.prune() == 0  # counted: an empty cache, and a ledger
    script = (
        "import sys; from pathlib import Path; from narrator.blobcache import BlobCache\n"
        "cache = BlobCache(Path(sys.argv[1]))\n"
        "for n in range(10): cache.put(BlobCache.key(sys.argv[2], str(n)), 'bin', bytes(1000))\n"
    )
    for run in range(4):  # 40 kB written by processes that never prune
        subprocess.run([sys.executable, "-c", script, str(tmp_path), str(run)], check=True)
    assert cache.prune() > 0
    assert sum(p.stat().st_size for p in tmp_path.glob("??/*.*")) <= 20_000


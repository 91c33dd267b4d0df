"""Batch narration: folders as input, worker processes, failures summarized, progress output."""

from __future__ import annotations

import io
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3

from narrator.cli import main
from narrator.files import NarrationFiles
from narrator.model import Clip
from narrator.pipeline import load_article
from narrator.synth import speak_article
from tests.fakes import ToneEngine


def test_folder_with_jobs_and_one_broken_article(tmp_path: Path, seed: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    for n in range(3):
        shutil.copy(seed, articles / f"a{n}.txt")
    (articles / "broken.txt").write_bytes(b"\x00\x01binary")
    out_dir = tmp_path / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["narrate", str(articles), "-j", "2", "-o", str(out_dir), "--no-cache"],
                stdout=stdout, stderr=stderr)
    assert code == 1
    assert sorted(p.name for p in out_dir.glob("*.mp3")) == ["a0.mp3", "a1.mp3", "a2.mp3"]
    assert not list(out_dir.glob("broken*"))
    written = [p for n in range(3) for p in NarrationFiles.beside(out_dir / f"a{n}.mp3").all()]
    assert stdout.getvalue().splitlines() == [str(p) for p in written]
    log = stderr.getvalue()
    assert "1 of 4 articles failed" in log and "broken.txt" in log and "binary" in log
    assert log.count("narrating ") == 3  # plain progress lines, since stderr is not a terminal
    assert len(ID3(out_dir / "a0.mp3").getall("CHAP")) == 9
    broken = str(articles / "broken.txt")
    lines = [line for line in log.splitlines() if broken in line]
    assert len(lines) == 2 and all(line.count(broken) == 1 for line in lines), lines  # said once a line


def test_quiet_prints_only_results(tmp_path: Path, seed: Path) -> None:
    other = tmp_path / "other.txt"
    shutil.copy(seed, other)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["narrate", str(seed), str(other), "-q", "-o", str(tmp_path / "out"), "--no-cache"],
                stdout=stdout, stderr=stderr)
    assert code == 0 and stderr.getvalue() == ""
    assert len(stdout.getvalue().splitlines()) == 2 * 6  # each file of both narrations


def test_two_inputs_cannot_share_an_mp3(tmp_path: Path, seed: Path) -> None:
    err = io.StringIO()
    code = main(["narrate", str(seed), str(seed), "-o", str(tmp_path / "x.mp3")], stderr=err)
    assert code == 1 and "must name a folder" in err.getvalue()


@dataclass
class SlowEngine:
    """A tone engine that takes ``delay`` seconds per call and records how many calls overlap."""

    delay: float = 0.05
    name: str = "slow"
    max_chars: int = 1000
    tone: ToneEngine = field(default_factory=ToneEngine)
    active: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    online: bool = False
    languages: frozenset[str] = frozenset({"fa"})
    reads_through_espeak: bool = False
    voice_label: str = "slow"

    def available(self) -> str | None:
        return None

    def probe(self) -> str | None:
        return None

    def settings_key(self) -> str:
        return "slow"

    def synthesize(self, text: str) -> Clip:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.delay)
        with self.lock:
            self.active -= 1
        return self.tone.synthesize(text)


def test_concurrent_synthesis_keeps_order_and_bounds_concurrency(seed: Path) -> None:
    article = load_article(seed)
    engine = SlowEngine()
    done: list[int] = []
    spoken = speak_article(engine, article, lambda t, n: [t], 3, lambda: done.append(1))
    paragraphs = [list(clips) for clips in spoken]  # each paragraph streams: read it before the next
    assert engine.peak == 3
    assert len(done) == len(article.sentences)
    for clips, paragraph in zip(paragraphs, article.paragraphs, strict=True):
        expected = [ToneEngine.duration_ms(s.spoken) for s in paragraph.sentences]
        assert [c.duration_ms for c in clips] == expected


def test_articles_at_once_share_the_machines_cores(
    tmp_path: Path, seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In threads (where ``-j`` is below the cores, or pinned workers are off), ``-j 3`` narrates
    three articles at once in one process, and their sentences, paragraphs and limited clips
    together never hold more core slots than there are cores."""
    import narrator.cores as cores
    from narrator import batch

    monkeypatch.setattr(batch, "PINNED_WORKERS", False)

    real = cores._SLOTS
    lock = threading.Lock()
    busy, peak, threads = [0], [0], set()

    class Counting:
        def __enter__(self) -> None:
            real.acquire()
            with lock:
                busy[0] += 1
                peak[0] = max(peak[0], busy[0])

        def __exit__(self, *exc: object) -> None:
            with lock:
                busy[0] -= 1
            real.release()

    monkeypatch.setattr(cores, "_SLOTS", Counting())
    original = batch.run_one

    def spy(*args: Any) -> Any:
        threads.add(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(batch, "run_one", spy)
    articles = tmp_path / "articles"
    articles.mkdir()
    lines = seed.read_text("utf-8").splitlines()[:4]
    for n in range(3):
        (articles / f"a{n}.txt").write_text("\n".join(f"{line} {n}" for line in lines), "utf-8")
    code = main(["narrate", str(articles), "-j", "3", "-o", str(tmp_path / "out"), "--no-cache", "-q"],
                stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0 and len(list((tmp_path / "out").glob("*.mp3"))) == 3
    assert len(threads) >= 2, "the articles ran at once"
    assert 1 <= peak[0] <= cores.cpu_count()


def test_an_online_engine_keeps_its_articles_in_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine that speaks over the network waits on requests, not on a core: ``-j 4`` on any
    machine runs four articles at once in threads, never one per core in worker processes."""
    import narrator.workers as workers
    from narrator import batch
    from narrator.batch import Job, Outcome, run_batch
    from narrator.pipeline import NarrateOptions
    from narrator.progress import QuietReporter

    assert batch._online(NarrateOptions(engine="edge")) and batch._online(NarrateOptions(engine="gtts"))
    assert not batch._online(NarrateOptions(engine="espeak"))
    monkeypatch.setattr(workers, "pinned_cores", lambda count: [0, 1])  # as if the cores were two
    monkeypatch.setattr(workers, "run_pinned", lambda *args: pytest.fail("ran in worker processes"))
    at_once, peak, lock = [0], [0], threading.Lock()
    barrier = threading.Barrier(4, timeout=30)

    def fake(job: Job, options: NarrateOptions, reporter: Any) -> Outcome:
        with lock:
            at_once[0] += 1
            peak[0] = max(peak[0], at_once[0])
        barrier.wait()  # all four at once, or this times out
        with lock:
            at_once[0] -= 1
        return Outcome(job)

    monkeypatch.setattr(batch, "run_one", fake)
    jobs = [Job(tmp_path / f"{n}.txt", tmp_path / f"{n}.mp3") for n in range(4)]
    outcomes = run_batch(jobs, NarrateOptions(engine="edge"), 4, QuietReporter())
    assert [o.error for o in outcomes] == [None] * 4 and peak[0] == 4

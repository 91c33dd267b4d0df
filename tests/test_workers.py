"""``-j`` at least the cores: a worker process per core, pinned to it, narrating whole articles."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from narrator.batch import Job, Outcome, plan, run_batch
from narrator.cores import cpu_count
from narrator.files import NarrationFiles
from narrator.pipeline import NarrateOptions
from narrator.workers import pinned_cores

CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []  # Linux


def test_workers_are_pinned_only_when_j_covers_the_cores() -> None:
    assert pinned_cores(1) == []
    assert pinned_cores(cpu_count()) == (CORES if len(CORES) >= 2 else [])
    assert pinned_cores(cpu_count() + 3) == pinned_cores(cpu_count())
    if len(CORES) >= 2:
        assert pinned_cores(cpu_count() - 1) == []


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def article_read(self, name: str) -> None:
        self.events.append(("read", name))

    def article_started(self, name: str, sentences: int) -> None:
        self.events.append(("started", name, sentences))

    def sentence_done(self, name: str) -> None:
        self.events.append(("sentence", name))

    def article_finished(self, name: str, error: str | None) -> None:
        self.events.append(("finished", name, error))

    def close(self) -> None:
        pass


def _workers_affinity(seen: dict[int, str], stop: threading.Event) -> None:
    """The CPU affinity of each worker of this process, read from /proc: the last seen of each (a
    worker is pinned just after it is forked)."""
    while not stop.is_set():
        for pid in _workers_of(os.getpid()):
            try:
                status = (Path("/proc") / str(pid) / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
            if "Cpus_allowed_list" in fields:
                seen[pid] = fields["Cpus_allowed_list"].strip()
        time.sleep(0.01)


def test_each_core_gets_a_pinned_worker_and_the_files_match_one_at_a_time(tmp_path: Path, seed: Path) -> None:
    """Three articles with ``-j`` = the cores: the workers run on one distinct core each (as the
    kernel reports them; on one core there are none), every article's progress comes back, and
    every MP3 is the one the articles get narrated one after another."""
    lines = seed.read_text("utf-8").splitlines()[:3]
    articles = []
    for n in range(3):
        path = tmp_path / f"a{n}.txt"
        path.write_text("\n".join(f"{line} {n}" for line in lines), "utf-8")
        articles.append(path)
    options = NarrateOptions(engine="espeak", cache=None)
    jobs = plan(articles, tmp_path / "pinned", tmp_path)
    recorder = Recorder()
    seen: dict[int, str] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=_workers_affinity, args=(seen, stop))
    watcher.start()
    try:
        outcomes = run_batch(jobs, options, cpu_count(), recorder)
    finally:
        stop.set()
        watcher.join()
    assert [o.error for o in outcomes] == [None] * 3
    assert sorted(seen.values()) == ([str(core) for core in CORES] if len(CORES) >= 2 else []), seen
    for job in jobs:
        name = str(job.source)
        mine = [e for e in recorder.events if e[1] == name]
        started = [int(str(e[2])) for e in mine if e[0] == "started"]
        assert len(started) == 1 and mine.count(("sentence", name)) == started[0] > 0
        assert mine[0] == ("read", name) and mine[-1] == ("finished", name, None)
    one = [Job(j.source, tmp_path / "one" / j.target.name) for j in jobs]
    assert [o.error for o in run_batch(one, options, 1, Recorder())] == [None] * 3
    for pinned, alone in zip(jobs, one, strict=True):
        assert pinned.target.read_bytes() == alone.target.read_bytes()
        assert all(path.is_file() for path in NarrationFiles.beside(pinned.target).all())


def _workers_of(pid: int) -> list[int]:
    """The worker processes of narrator ``pid``: the children of its fork server, its child."""
    from tests.test_signals import children, cmdline, parent_of

    found = children(pid)
    servers = [p for p in found if parent_of(p) == pid and b"forkserver" in cmdline(p)]
    return [p for p in found if parent_of(p) in servers]


def test_a_killed_worker_fails_its_article_alone(tmp_path: Path) -> None:
    """``kill -9`` of a worker mid-article: that article fails, named, with its partial files
    removed; a new worker takes the core and the other articles are narrated whole. (Two workers,
    on two cores, or both on the one core a one-core machine has.)"""
    from narrator.workers import run_pinned
    from tests.test_signals import long_article, wait_for

    out = tmp_path / "out"
    jobs = plan([long_article(tmp_path, f"{n}.txt", copies=3) for n in ("a", "b", "c")], out, tmp_path)
    recorder = Recorder()
    ended: list[list[Outcome]] = []
    options = NarrateOptions(engine="espeak", cache=None)
    two = (CORES * 2)[:2]
    runner = threading.Thread(target=lambda: ended.append(run_pinned(jobs, options, two, recorder)))
    runner.start()
    try:
        assert wait_for(lambda: len(list(out.glob(".narrator-*.part"))) >= 2)
        assert len(_workers_of(os.getpid())) == 2
        victim = _workers_of(os.getpid())[0]
        victims_parts = list(out.glob(f".narrator-{victim}-*.part"))
        os.kill(victim, signal.SIGKILL)
    finally:
        runner.join(300)
    [outcomes] = ended
    failed = [o for o in outcomes if o.error is not None]
    assert len(failed) == 1 and "ended unexpectedly (signal 9)" in str(failed[0].error), outcomes
    assert ("finished", str(failed[0].job.source), failed[0].error) in recorder.events
    done = sorted(o.job.target.stem for o in outcomes if o.error is None)
    assert len(done) == 2
    assert victims_parts and not any(p.exists() for p in victims_parts)
    expected = sorted(p.name for n in done for p in NarrationFiles.beside(out / f"{n}.mp3").all())
    assert sorted(p.name for p in out.iterdir()) == expected  # no partial file of the killed article


def test_an_unforeseen_failure_in_a_worker_fails_its_article_alone(
    tmp_path: Path, seed: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A bug met by one article (here a source whose text is not text) ends that article with the
    error's kind and message, no traceback, and the worker goes on with the next article."""
    from narrator.sources import Source
    from narrator.workers import run_pinned

    good = tmp_path / "good.txt"
    good.write_text("\n".join(seed.read_text("utf-8").splitlines()[:2]), "utf-8")
    broken = Source(text=42, kind="file", origin="broken.txt", sha256="0" * 64)  # type: ignore[arg-type]
    jobs = [Job(broken, tmp_path / "out" / "broken.mp3"), Job(good, tmp_path / "out" / "good.mp3")]
    recorder = Recorder()
    outcomes = run_pinned(jobs, NarrateOptions(engine="espeak", cache=None), [CORES[0]], recorder)
    assert outcomes[0].error is not None and outcomes[0].error.startswith("failed: "), outcomes[0]
    assert ("finished", "broken.txt", outcomes[0].error) in recorder.events
    assert outcomes[1].error is None and (tmp_path / "out" / "good.mp3").is_file()
    assert "Traceback" not in capfd.readouterr().err

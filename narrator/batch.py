"""Narrating many articles: inputs expanded from folders, worker processes, a failure summary."""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from narrator.errors import InputError, NarratorError
from narrator.files import NarrationFiles
from narrator.pipeline import NarrateOptions, cpu_workers, narrate, output_path
from narrator.progress import Reporter

ARTICLE_SUFFIX = ".txt"
INDEX_STEM = "index"  # index.html is the folder's list of narrations


@dataclass(frozen=True)
class Job:
    """One article to narrate and where its MP3 goes."""

    source: Path
    target: Path


@dataclass(frozen=True)
class Outcome:
    """How one job ended: ``error`` is None on success."""

    job: Job
    error: str | None = None
    duration_ms: int = 0


def expand_inputs(inputs: Sequence[Path]) -> list[Path]:
    """Files as given; each folder replaced by its ``*.txt`` files, sorted."""
    found: list[Path] = []
    for path in inputs:
        if path.is_dir():
            articles = sorted(p for p in path.iterdir() if p.suffix == ARTICLE_SUFFIX and p.is_file())
            if not articles:
                raise InputError(f"{path}: is a directory with no {ARTICLE_SUFFIX} articles in it")
            found.extend(articles)
        else:
            found.append(path)
    return found


def plan(sources: Sequence[Path], output: Path | None, default_dir: Path) -> list[Job]:
    """A job per source (a source given twice is narrated once); with several sources ``output``
    must be a folder. Refused up front, before any work: two articles whose files (MP3, sidecars,
    page) would land on the same path, an article named like the folder's index page, and an
    ``.mp3`` output that is a folder."""
    if len(sources) > 1 and output is not None and output.suffix.lower() == ".mp3":
        raise InputError("with several inputs, -o must name a folder, not an .mp3 file")
    if output is not None and output.suffix.lower() == ".mp3" and output.is_dir():
        raise InputError(f"{output}: is a folder, not an .mp3 file")
    named: dict[Path, Path] = {}
    for source in sources:
        named.setdefault(source.resolve(), source)
    jobs = [Job(s, output_path(s, output, default_dir)) for s in named.values()]
    seen: dict[Path, Path] = {}
    for job in jobs:
        if job.target.stem == INDEX_STEM:
            raise InputError(
                f"{job.source}: '{INDEX_STEM}' is kept for the folder's index page; rename the article"
            )
        for path in written_by(job.target):
            if len(os.fsencode(path.name)) > _name_max(path.parent):
                raise InputError(f"{job.source}: the name is too long for the files it makes ({path.name})")
            other = seen.setdefault(path, job.source)
            if other != job.source:
                raise InputError(f"{other} and {job.source} would both write {path}")
    return jobs


def _name_max(folder: Path) -> int:
    """The longest file name (bytes) the file system of ``folder`` (or its nearest parent) allows."""
    for place in (folder, *folder.parents):
        if place.exists():
            try:
                return os.pathconf(place, "PC_NAME_MAX")
            except (OSError, ValueError):
                break
    return 255


def written_by(target: Path) -> tuple[Path, ...]:
    """Every file a narration into ``target`` writes: the MP3, its sidecars and its page."""
    return NarrationFiles.beside(target).all()


def _run_one(job: Job, options: NarrateOptions, reporter: Reporter) -> Outcome:
    try:
        result = narrate(job.source, job.target, options, reporter)
    except (NarratorError, OSError) as exc:  # an OSError here is the system's word on a file
        reporter.article_finished(str(job.source), str(exc))
        return Outcome(job, error=str(exc))
    reporter.article_finished(str(job.source), None)
    return Outcome(job, duration_ms=result.timeline.duration_ms)


class _QueueReporter:
    """Forwards a worker's progress events to the parent through a queue."""

    def __init__(self, events: Any) -> None:
        self.events = events

    def article_started(self, name: str, sentences: int) -> None:
        self.events.put(("article_started", name, sentences))

    def sentence_done(self, name: str) -> None:
        self.events.put(("sentence_done", name))

    def article_finished(self, name: str, error: str | None) -> None:
        self.events.put(("article_finished", name, error))

    def close(self) -> None:
        pass


def _worker(job: Job, options: NarrateOptions, events: Any) -> Outcome:
    return _run_one(job, options, _QueueReporter(events))


def _forward(events: Any, reporter: Reporter) -> None:
    while True:
        try:
            name, *args = events.get_nowait()
        except queue.Empty:
            return
        getattr(reporter, name)(*args)


def run_batch(
    jobs: Sequence[Job], options: NarrateOptions, workers: int, reporter: Reporter
) -> list[Outcome]:
    """Narrate every job, ``workers`` at a time in separate processes; never stops at a failure."""
    if workers <= 1 or len(jobs) <= 1:
        return [_run_one(job, options, reporter) for job in jobs]
    # The cores are shared out: each of the ``workers`` processes encodes on its share of them.
    options = replace(options, encode_workers=options.encode_workers or cpu_workers(workers))
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        events = manager.Queue()
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures: list[Future[Outcome]] = [pool.submit(_worker, job, options, events) for job in jobs]
            pending = set(futures)
            try:
                while pending:
                    _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                    _forward(events, reporter)
            except BaseException:  # Ctrl-C or a signal: articles not yet started are not started
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            outcomes = [_result(f, job) for f, job in zip(futures, jobs, strict=True)]
        _forward(events, reporter)
    return outcomes


def _result(future: Future[Outcome], job: Job) -> Outcome:
    try:
        return future.result()
    except Exception as exc:  # a worker that died (killed, out of memory) fails only its own article
        return Outcome(job, error=f"worker failed: {exc.__class__.__name__}: {exc}")

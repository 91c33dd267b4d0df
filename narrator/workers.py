"""A batch's articles narrated by worker processes, one per core, each kept on its core.

When ``-j`` asks for at least as many articles at once as the process has cores (two or more),
each core gets a worker process of its own, pinned to it, with one core slot
(:mod:`narrator.cores`): the worker narrates whole articles one after another, and everything an
article runs (its sentences' espeak-ng children, its encoders' threads, its numpy work) stays on
that core. Threads of one process sharing the cores wake each other across cores and take turns
on one interpreter lock; here, on the bench's 20 articles with ``-j 2``, the pinned workers took
11% less time than the threads (ten runs of each, taken in turns). The workers start from a fork
server that has imported narrator once; each loads its models and tables once. Progress events
come back through a queue; Ctrl-C or SIGTERM ends the articles under way (each removes its
partial files) and starts no others.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from narrator import cores
from narrator.batch import Job, Outcome, result_of, run_one
from narrator.pipeline import NarrateOptions
from narrator.processes import reuse_freed_memory, terminated
from narrator.progress import Reporter


def pinned_cores(workers: int) -> list[int]:
    """The cores to give a worker process each, when ``workers`` articles at once (no more than
    there are articles) are at least as many as this process's cores, two or more, and processes
    can be kept on a core; else none."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return []
    if len(allowed) < 2 or workers < len(allowed) or not hasattr(os, "sched_setaffinity"):
        return []
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return []
    return allowed


class _QueueReporter:
    """A worker's progress events, sent to the parent's reporter."""

    def __init__(self, events: Any) -> None:
        self.events = events

    def article_read(self, name: str) -> None:
        self.events.put(("article_read", name))

    def article_started(self, name: str, sentences: int) -> None:
        self.events.put(("article_started", name, sentences))

    def sentence_done(self, name: str) -> None:
        self.events.put(("sentence_done", name))

    def article_finished(self, name: str, error: str | None) -> None:
        self.events.put(("article_finished", name, error))

    def close(self) -> None:
        pass


_EVENTS: Any = None  # the worker's queue of progress events, set by _start_worker


def _start_worker(free: Any, events: Any) -> None:
    """A worker's set-up: its core (one of ``free``), one core slot, SIGTERM and Ctrl-C unwinding
    the article under way, freed memory kept for reuse."""
    global _EVENTS
    _EVENTS = events
    events.cancel_join_thread()  # a worker that ends with the parent gone must not wait to flush
    os.sched_setaffinity(0, {free.get()})
    cores._SLOTS = threading.BoundedSemaphore(1)
    signal.signal(signal.SIGTERM, terminated)
    signal.signal(signal.SIGINT, terminated)  # quietly, even between articles (no traceback)
    reuse_freed_memory()


def _narrate(job: Job, options: NarrateOptions) -> Outcome:
    try:
        return run_one(job, options, _QueueReporter(_EVENTS))
    except SystemExit as stop:  # SIGTERM or Ctrl-C: the article has removed its files; the worker ends
        os._exit(stop.code if isinstance(stop.code, int) else 1)


def _forward(events: Any, reporter: Reporter) -> None:
    while True:
        try:
            name, *args = events.get_nowait()
        except queue.Empty:
            return
        getattr(reporter, name)(*args)


def run_pinned(
    jobs: Sequence[Job], options: NarrateOptions, pinned: list[int], reporter: Reporter
) -> list[Outcome]:
    """Narrate every job on a worker process per core of ``pinned``; never stops at a failure."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["narrator.workers"])
    free: Any = context.Queue()
    events: Any = context.Queue()
    for number in pinned:
        free.put(number)
    pool = ProcessPoolExecutor(
        len(pinned), mp_context=context, initializer=_start_worker, initargs=(free, events)
    )
    try:
        futures: list[Future[Outcome]] = [pool.submit(_narrate, job, options) for job in jobs]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            _forward(events, reporter)
        outcomes = [result_of(f, job) for f, job in zip(futures, jobs, strict=True)]
    except BaseException:  # Ctrl-C or a signal: the articles under way end, the others never start
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    _forward(events, reporter)
    return outcomes


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the workers' articles under way (each removes its partial files) and start no others."""
    processes = dict(getattr(pool, "_processes", None) or {})
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes.values():
        with contextlib.suppress(OSError, ValueError):
            process.terminate()  # SIGTERM: the worker unwinds as narrator does on it
    for process in processes.values():
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(timeout=30)

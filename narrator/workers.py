"""A batch's articles narrated by worker processes, one per core, each kept on its core.

When ``-j`` asks for at least as many articles at once as the process has cores (two or more),
and the engine runs here (an online one waits on requests, not cores: it keeps threads), each
core gets a worker process of its own, pinned to it, with one core slot
(:func:`narrator.cores.keep_to_core`): the worker narrates whole articles one after another, and
everything an article runs (its sentences' espeak-ng children, its encoders' threads, its numpy
work) stays on that core. Threads of one process sharing the cores wake each other across cores
and take turns on one interpreter lock; on the bench's 20 articles with ``-j 2``, the pinned
workers took 0.88 of the threads' time (the median of eleven pairs of runs taken in turns).

The workers start from a fork server that has imported narrator once, and each talks to this
process over a pipe of its own: the next article goes down it, progress events and the outcome
come back. Nothing here holds a lock or semaphore shared between processes, so nothing is left for
multiprocessing to clean up whichever way the run ends.

- A worker that dies (killed, out of memory) fails the article it had, alone (one it had not begun
  goes back to the queue); a new worker takes its core for the articles still to come. A worker
  also ends when narrator does, however narrator ends.
- Ctrl-C or SIGTERM, to this process or to the whole group, ends each worker's article under way
  (it removes its partial files, as narrator does on a signal) and starts no others. A worker acts
  on the first signal only: the second that a group Ctrl-C followed by this process's own SIGTERM
  brings must not cut its clean-up short.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing import forkserver
from multiprocessing.connection import Connection, wait
from types import FrameType
from typing import Any

from narrator.atomic import clean_up_after
from narrator.batch import Job, Outcome, run_one, unforeseen
from narrator.cores import keep_to_core
from narrator.pipeline import NarrateOptions
from narrator.processes import reuse_freed_memory, terminated
from narrator.progress import Reporter

STOP_WAIT_S = 30  # how long an interrupted worker may take to remove its files before it is killed
EVENTS = ("article_read", "article_started", "sentence_done", "article_finished")


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


# --- in a worker process ---------------------------------------------------------------------

_ENDING = False  # this worker is unwinding on a signal: later ones change nothing


def _end(signum: int, frame: FrameType | None) -> None:
    """SIGTERM or SIGINT in a worker: unwind once, like narrator does on SIGTERM."""
    global _ENDING
    if _ENDING:
        return
    try:
        terminated(signum, frame)  # returns only when it must send the signal again a moment later
    except SystemExit:
        _ENDING = True
        raise


class _PipeReporter:
    """A worker's progress events, sent up its pipe (an article's threads may report at once)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()

    def send(self, message: tuple[Any, ...]) -> None:
        with self.lock:
            self.conn.send(message)

    def article_read(self, name: str) -> None:
        self.send(("article_read", name))

    def article_started(self, name: str, sentences: int) -> None:
        self.send(("article_started", name, sentences))

    def sentence_done(self, name: str) -> None:
        self.send(("sentence_done", name))

    def article_finished(self, name: str, error: str | None) -> None:
        self.send(("article_finished", name, error))

    def close(self) -> None:
        pass


def _end_with_narrator() -> None:
    """SIGTERM this worker when narrator's process ends, however (``kill -9`` too): the article
    under way unwinds and removes its files. The kernel's parent-death signal would not come: the
    worker's parent is the fork server, which outlives narrator while workers hold its pipe."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="narrator-gone", daemon=True).start()


def _work(number: int, conn: Connection, options: NarrateOptions) -> None:
    """A worker's life: on core ``number``, narrate each ``(index, job)`` received until ``None``."""
    signal.signal(signal.SIGTERM, _end)
    signal.signal(signal.SIGINT, _end)  # quietly, even between articles (no traceback)
    _end_with_narrator()
    keep_to_core(number)
    reuse_freed_memory()
    reporter = _PipeReporter(conn)
    try:
        while (item := conn.recv()) is not None:
            index, job = item
            try:
                outcome = run_one(job, options, reporter)
            except Exception as exc:  # a failure of an unforeseen kind fails only its own article
                outcome = unforeseen(job, exc)
                reporter.article_finished(str(job.source), outcome.error)
            reporter.send(("done", index, outcome))
    except (EOFError, OSError):  # narrator is gone: nobody is waiting for the results
        return
    # SIGTERM or Ctrl-C (SystemExit) goes on up: the process ends as multiprocessing ends one,
    # waiting for its threads, so an encoder thread still removing its segment folder finishes


# --- in narrator's process -------------------------------------------------------------------


class _Worker:
    """A worker process on one core, and the article it has (an index into the jobs)."""

    def __init__(self, context: Any, number: int, options: NarrateOptions) -> None:
        self.number = number
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_work, args=(number, theirs, options),
                                       name=f"narrator-core-{number}")
        self.process.start()
        theirs.close()  # the worker's end: once it is gone, reading ours says so
        self.index: int | None = None
        self.started = False  # whether the worker has said a word of its article

    def give(self, todo: deque[int], jobs: Sequence[Job]) -> None:
        """Send the next article, or the word to stop when none is left."""
        self.index = todo.popleft() if todo else None
        self.started = False
        with contextlib.suppress(OSError):  # a worker gone is replaced (run_pinned's loop)
            self.conn.send(None if self.index is None else (self.index, jobs[self.index]))

    def received(self) -> tuple[list[tuple[Any, ...]], bool]:
        """The messages waiting, and whether the worker has gone."""
        messages: list[tuple[Any, ...]] = []
        try:
            while self.conn.poll():
                messages.append(self.conn.recv())
        except (EOFError, OSError):
            return messages, True
        return messages, False


def run_pinned(
    jobs: Sequence[Job], options: NarrateOptions, pinned: list[int], reporter: Reporter
) -> list[Outcome]:
    """Narrate every job on a worker process per core of ``pinned``; never stops at a failure."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["narrator.workers"])
    todo = deque(range(len(jobs)))
    outcomes: dict[int, Outcome] = {}
    crew: list[_Worker] = []
    retries = len(pinned)  # articles given back when their worker died before starting them
    try:
        _start_fork_server()
        for number in pinned[: len(jobs)]:
            crew.append(_Worker(context, number, options))
            crew[-1].give(todo, jobs)
        while len(outcomes) < len(jobs):
            wait([w.conn for w in crew if w.index is not None], timeout=1.0)
            for place, worker in enumerate(crew):
                messages, gone = worker.received()
                for message in messages:
                    if message[0] == "done":
                        outcomes[message[1]] = message[2]
                        worker.give(todo, jobs)
                    elif message[0] in EVENTS:
                        worker.started = True
                        getattr(reporter, message[0])(*message[1:])
                if gone and worker.index is not None:  # it died with an article: a new one takes the core
                    if worker.started or retries == 0:
                        _failed(worker, jobs[worker.index], outcomes, reporter)
                    else:  # between articles: the one it was given goes to the next worker
                        todo.appendleft(worker.index)
                        retries -= 1
                    worker.conn.close()
                    crew[place] = _Worker(context, worker.number, options)
                    crew[place].give(todo, jobs)
    except BaseException:  # Ctrl-C or a signal: the articles under way end, the others never start
        _stop(crew, jobs)
        raise
    for worker in crew:
        worker.process.join(STOP_WAIT_S)
        worker.conn.close()
    return [outcomes[i] for i in range(len(jobs))]


def _start_fork_server() -> None:
    """Start the fork server with SIGINT ignored, which it and the workers forked from it keep
    until a worker sets its own handler: a Ctrl-C while the server imports narrator, or while a
    worker starts, would otherwise print a traceback (from the main thread only: elsewhere
    signal handlers cannot be changed, and the server starts as it would)."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _failed(worker: _Worker, job: Job, outcomes: dict[int, Outcome], reporter: Reporter) -> None:
    """The worker died (killed, out of memory) narrating ``job``: that article fails, alone."""
    assert worker.index is not None
    worker.process.join(STOP_WAIT_S)
    code = worker.process.exitcode
    how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    error = f"{job.source}: the worker process narrating it ended unexpectedly ({how})"
    if worker.process.pid is not None:  # a commit it half made, its partial files: undone here
        clean_up_after(job.target.parent, worker.process.pid)
    outcomes[worker.index] = Outcome(job, error=error)
    reporter.article_finished(str(job.source), error)


def _stop(crew: list[_Worker], jobs: Sequence[Job]) -> None:
    """End the workers' articles under way (each removes its partial files) and start no others.
    A second signal meanwhile (Ctrl-C, then a service manager's SIGTERM) does not cut this short:
    each step is repeated until done, and the run ends on the first signal."""
    for worker in crew:
        _surely(functools.partial(_terminate, worker))
    for worker in crew:
        _surely(functools.partial(_end_worker, worker, jobs))


def _terminate(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.terminate()  # SIGTERM: the worker unwinds as narrator does on it


def _end_worker(worker: _Worker, jobs: Sequence[Job]) -> None:
    """Wait for an interrupted worker; one that does not end in time is killed, and what it left
    is undone here. Safe to repeat."""
    worker.process.join(STOP_WAIT_S)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
        if worker.index is not None and worker.process.pid is not None:
            clean_up_after(jobs[worker.index].target.parent, worker.process.pid)
    worker.conn.close()


def _surely(step: Callable[[], object]) -> None:
    """Run ``step`` to its end, again from the start if a signal interrupts it."""
    while True:
        try:
            step()
            return
        except BaseException:  # the run is already ending, on the first signal
            continue

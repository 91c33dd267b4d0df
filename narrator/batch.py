"""Narrating many articles: inputs expanded from folders, articles at once, a failure summary."""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from narrator.engines.registry import create_engine
from narrator.errors import InputError, NarratorError
from narrator.fetch import check_scheme
from narrator.files import INDEX_NAME, PAGE_SUFFIX, NarrationFiles, is_audio_name
from narrator.guard import check_outputs
from narrator.pipeline import NarrateOptions, narrate, output_path
from narrator.progress import Reporter
from narrator.record import record
from narrator.sources import (
    ARTICLE_SUFFIXES,
    Reader,
    Source,
    read_up_front,
    source_key,
    source_label,
    source_path,
)
from narrator.strings import has_invalid_utf8, repair_surrogates


@record
class Job:
    """One article to narrate (a file, or an input already read) and where its MP3 goes."""

    source: Path | Source
    target: Path


@record
class Outcome:
    """How one job ended: ``error`` is None on success."""

    job: Job
    error: str | None = None
    duration_ms: int = 0


def expand_inputs(inputs: Sequence[str | Path], read: Reader | None = None) -> list[Path | Source]:
    """Files as given; each folder replaced by its ``.txt``, ``.html`` and ``.htm`` files, sorted.
    With ``read``: standard input, URLs and FIFOs are read now (see
    :func:`narrator.sources.read_up_front`) and files too large for it are refused now."""
    found: list[Path | Source] = []
    read_now: set[str] = set()
    for item in inputs:
        if read is not None and read_up_front(item):
            if str(item) not in read_now:  # `-` or a URL given twice is read (and narrated) once
                read_now.add(str(item))
                found.append(read(item))
            continue
        check_scheme(str(item))
        path = Path(item)
        if path.is_dir():
            articles = sorted(p for p in path.iterdir() if _is_article(p))
            if not articles:
                raise InputError(f"{path}: is a directory with no .txt or .html articles in it")
            found.extend(articles)
        else:
            found.append(path)
    if read is not None:
        for source in found:
            if isinstance(source, Path):
                read.check(source)
    return found


def _is_article(path: Path) -> bool:
    """A folder's article: a text or HTML file that is not a page narrator wrote (listening page, index)."""
    name = path.name.lower()
    if path.suffix.lower() not in ARTICLE_SUFFIXES or name.endswith(PAGE_SUFFIX) or name == INDEX_NAME:
        return False
    return path.is_file()


def plan(
    sources: Sequence[Path | Source], output: Path | None, default_dir: Path, label: str | None = None
) -> list[Job]:
    """A job per source (a source given twice is narrated once); with several sources ``output``
    must be a folder. Refused up front, before any work: two articles whose files (audio, sidecars,
    page) would land on the same path, names too long for the file system, an audio output that is
    a folder, and any output that would replace an input or a file narrator did not write for this
    same input (``label``: the ``--source`` text, if given; see narrator/guard.py)."""
    if len(sources) > 1 and output is not None and is_audio_name(output):
        raise InputError(f"with several inputs, -o must name a folder, not an {output.suffix} file")
    if output is not None and is_audio_name(output) and output.is_dir():
        raise InputError(f"{output}: is a folder, not an {output.suffix} file")
    named: dict[object, Path | Source] = {}
    for source in sources:
        named.setdefault(source_key(source), source)
    jobs = [Job(s, output_path(s, output, default_dir)) for s in named.values()]
    input_paths = [path for s in sources if (path := source_path(s)) is not None]
    seen: dict[Path, Path | Source] = {}
    for job in jobs:
        if has_invalid_utf8(job.target.name):
            raise InputError(f"{repair_surrogates(str(job.target))}: an output name must be valid UTF-8")
        for path in NarrationFiles.beside(job.target).all():
            if len(os.fsencode(path.name)) > _name_max(path.parent):
                raise InputError(f"{job.source}: the name is too long for the files it makes ({path.name})")
            other = seen.setdefault(path, job.source)
            if other != job.source:
                raise InputError(f"{other} and {job.source} would both write {path}")
        labels = [source_label(job.source)] + ([label] if label else [])
        check_outputs(str(job.source), job.target, input_paths, labels)
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


def _described(exc: Exception, job: Job) -> str:
    """What went wrong, naming the file: an OSError raised by a write names none (``[Errno 28] No
    space left on device`` while the audio is written), so it is said of the narration's target."""
    if isinstance(exc, OSError) and not isinstance(exc, NarratorError) and exc.filename is None:
        return f"{job.target}: {exc.strerror or exc}"
    return str(exc)


def run_one(job: Job, options: NarrateOptions, reporter: Reporter) -> Outcome:
    try:
        result = narrate(job.source, job.target, options, reporter)
    except (NarratorError, OSError) as exc:  # an OSError here is the system's word on a file
        reporter.article_finished(str(job.source), _described(exc, job))
        return Outcome(job, error=_described(exc, job))
    reporter.article_finished(str(job.source), None)
    return Outcome(job, duration_ms=result.timeline.duration_ms)


#: With ``-j`` at least the cores (two or more), articles run in worker processes pinned one to
#: each core (:mod:`narrator.workers`); with this off, always in threads of this process.
PINNED_WORKERS = True


def run_batch(
    jobs: Sequence[Job], options: NarrateOptions, workers: int, reporter: Reporter
) -> list[Outcome]:
    """Narrate every job, up to ``workers`` articles at a time; never stops at a failure.

    With ``workers`` (and jobs) at least the cores, two or more, and an engine that runs here (not
    over the network), each core gets a worker process pinned to it, which narrates one article
    at a time (:mod:`narrator.workers`). Otherwise the articles run in threads of this process:
    models and tables are loaded once, and every article's CPU work (sentences, paragraphs,
    limited clips) takes turns on the same core slots (:mod:`narrator.cores`), so the run never
    asks for more cores than there are. Either way, Ctrl-C or SIGTERM stops the articles under
    way (each removes its partial files) and starts no others.
    """
    if workers <= 1 or len(jobs) <= 1:
        return [run_one(job, options, reporter) for job in jobs]
    from narrator.workers import pinned_cores, run_pinned  # (it builds on this module)

    pinned = pinned_cores(min(workers, len(jobs))) if PINNED_WORKERS and not _online(options) else []
    if pinned:
        return run_pinned(jobs, options, pinned, reporter)
    shared = _Locked(reporter)
    running = _Running()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="article") as pool:
        futures = [pool.submit(running.run, run_one, job, options, shared) for job in jobs]
        pending: set[Future[Outcome]] = set(futures)
        try:
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:  # Ctrl-C raised inside an article (by a reporter, say)
                    stop = future.exception()
                    if stop is not None and not isinstance(stop, Exception):
                        raise stop
        except BaseException as stop:
            pool.shutdown(wait=False, cancel_futures=True)
            running.stop(type(stop))
            pool.shutdown(wait=True)
            raise
    return [_result(f, job) for f, job in zip(futures, jobs, strict=True)]


def _online(options: NarrateOptions) -> bool:
    """Whether the engine speaks over the network: its articles wait on requests, not on a core,
    so ``-j`` keeps them in threads, as many at once as asked."""
    try:
        return create_engine(options.engine, options.engine_options).online
    except NarratorError:  # each article says why, as without -j
        return False


class _Running:
    """The threads narrating an article now, so that Ctrl-C or SIGTERM can stop them too."""

    def __init__(self) -> None:
        self._threads: set[int] = set()
        self._lock = threading.Lock()
        self._stopped: type[BaseException] | None = None

    def run(self, fn: Callable[..., Outcome], *args: Any) -> Outcome:
        with self._lock:
            if self._stopped is not None:
                raise self._stopped
            self._threads.add(threading.get_ident())
        try:
            return fn(*args)
        finally:
            with self._lock:
                self._threads.discard(threading.get_ident())

    def stop(self, kind: type[BaseException]) -> None:
        """Raise ``kind`` in every article thread (where it next runs Python code: a thread
        waiting on ffmpeg or espeak-ng gets it when they end), as the signal did in this one."""
        with self._lock:
            self._stopped = kind
            threads = set(self._threads)
        for ident in threads:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(kind))


class _Locked:
    """A reporter several article threads can share: one event at a time."""

    def __init__(self, inner: Reporter) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    def article_read(self, name: str) -> None:
        with self._lock:
            self.inner.article_read(name)

    def article_started(self, name: str, sentences: int) -> None:
        with self._lock:
            self.inner.article_started(name, sentences)

    def sentence_done(self, name: str) -> None:
        with self._lock:
            self.inner.sentence_done(name)

    def article_finished(self, name: str, error: str | None) -> None:
        with self._lock:
            self.inner.article_finished(name, error)

    def close(self) -> None:
        with self._lock:
            self.inner.close()


def _result(future: Future[Outcome], job: Job) -> Outcome:
    try:
        return future.result()
    except Exception as exc:  # a failure of an unforeseen kind fails only its own article
        return unforeseen(job, exc)


def unforeseen(job: Job, exc: Exception) -> Outcome:
    """How an article ends that failed in a way narrator did not foresee (a bug): alone, named."""
    return Outcome(job, error=f"failed: {exc.__class__.__name__}: {exc}")

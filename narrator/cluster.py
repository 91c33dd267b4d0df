"""Narrating a batch on a Dask cluster (``narrate --dask ADDRESS``), or on any executor.

The client reads each input once and sends its text and the options; a worker narrates into a
temporary folder of its own and returns every finished file as bytes; the client commits each
article's files into the output folder as one set (narrator/atomic.py). Workers need no shared
file system and keep their own synthesis cache. Dask reruns an article whose worker died, and a
result is written once, when it arrives; an article that fails is reported without stopping the
others. Nothing here is Dask-specific but ``open_dask``: the batch runs on any
``concurrent.futures.Executor``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from pathlib import Path
from typing import Any

from narrator.atomic import staged_files
from narrator.batch import Job, Outcome
from narrator.errors import InputError, NarratorError
from narrator.files import NarrationFiles
from narrator.pipeline import NarrateOptions, narrate
from narrator.progress import Reporter
from narrator.record import record
from narrator.sources import Source, read_source

LOCAL_PREFIX = "local:"
CONNECT_TIMEOUT_S = 5
RETRIES = 2  # an article whose task raised is tried this many more times (a dead worker's are rerun anyway)


@record
class Finished:
    """What a worker returns: each file's name and bytes, the audio first, and the duration."""

    files: tuple[tuple[str, bytes], ...]
    duration_ms: int


def narrate_remote(source: Source, audio_name: str, options: NarrateOptions) -> Finished:
    """Narrate one article read by the client in a temporary folder of this process, and return its
    files as bytes. Runs on a worker; the narration records the same source as a local run would."""
    with tempfile.TemporaryDirectory(prefix=f"narrator-remote-{os.getpid()}-") as folder:
        target = Path(folder) / audio_name
        result = narrate(source, target, options)
        files = tuple((p.name, p.read_bytes()) for p in NarrationFiles.beside(target).all() if p.is_file())
        return Finished(files, result.timeline.duration_ms)


def _commit(job: Job, finished: Finished) -> None:
    """Write the worker's files beside ``job.target``, all or nothing; only names of this
    narration's file set are accepted."""
    expected = {p.name: p for p in NarrationFiles.beside(job.target).all()}
    job.target.parent.mkdir(parents=True, exist_ok=True)
    with staged_files() as stage:
        for name, data in finished.files:
            if name not in expected:
                raise InputError(f"{job.source}: a worker returned an unexpected file {name!r}")
            stage.add(expected[name], data)
        stage.commit()


def run_on_executor(
    executor: Executor, jobs: Sequence[Job], options: NarrateOptions, reporter: Reporter
) -> list[Outcome]:
    """Narrate every job on ``executor``; write each article's files as its result arrives.

    Ctrl-C (or any exception here) cancels what has not finished; files are written only from
    complete results, so nothing partial is left behind.
    """
    outcomes: dict[int, Outcome] = {}
    futures: dict[Future[Finished], int] = {}
    for index, job in enumerate(jobs):
        try:  # read here, once: workers share no files with the client
            source = job.source
            if not isinstance(source, Source):
                source = read_source(source, options.max_input_bytes)
        except NarratorError as exc:
            outcomes[index] = Outcome(job, error=str(exc))
            reporter.article_finished(str(job.source), str(exc))
            continue
        futures[executor.submit(narrate_remote, source, job.target.name, options)] = index
    pending = set(futures)
    try:
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                job = jobs[futures[future]]
                outcomes[futures[future]] = _finish(job, future)
                reporter.article_finished(str(job.source), outcomes[futures[future]].error)
    except BaseException:
        _quiet_event_loop()
        for future in pending:
            future.cancel()
        raise
    return [outcomes[i] for i in range(len(jobs))]


def _quiet_event_loop() -> None:
    """Silence the Dask client's event loop for the rest of the run: a result that arrives for a
    future just cancelled makes it log the clash with a traceback (after Ctrl-C, the user has
    been told enough: ``narrator: interrupted``)."""
    for name in ("distributed", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _finish(job: Job, future: Future[Finished]) -> Outcome:
    try:
        finished = future.result()
        _commit(job, finished)
    except (NarratorError, OSError) as exc:
        return Outcome(job, error=str(exc))
    except Exception as exc:  # a worker's failure of any kind fails only its own article
        return Outcome(job, error=f"{exc.__class__.__name__}: {exc}")
    return Outcome(job, duration_ms=finished.duration_ms)


@contextlib.contextmanager
def open_dask(address: str) -> Iterator[Executor]:
    """An executor on the Dask scheduler at ``address`` (``tcp://host:port``), or on a local
    cluster of N worker processes started and stopped here (``local:N``)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise InputError("--dask needs the cluster extra: pip install 'narrator[cluster]'") from exc
    for name in ("distributed", "tornado"):
        logging.getLogger(name).setLevel(logging.ERROR)  # worker churn is reported per article
    cluster: Any = None
    try:
        if address.startswith(LOCAL_PREFIX):
            count = _local_workers(address)
            cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            client = Client(cluster)
        else:
            client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise InputError(f"cannot reach the Dask scheduler at {address} ({exc.__class__.__name__})") from None
    try:
        yield client.get_executor(retries=RETRIES, pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _local_workers(address: str) -> int:
    text = address.removeprefix(LOCAL_PREFIX)
    if not text.isdigit() or int(text) < 1:
        raise InputError(f"--dask {address}: use local:N with N workers, e.g. local:2")
    return int(text)

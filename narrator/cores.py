"""The machine's cores, shared by all the CPU work one narrator process runs at once.

Sentences synthesized (espeak-ng children), groups of paragraphs encoded (one ffmpeg child each),
and clips measured and limited (numpy) each hold one of ``cpu_count()`` slots while they run,
whichever article they belong to: however many articles ``-j`` narrates at once, the process
runs at most one such task per core (an encoder process's threads may still spread over the
cores). A slot holder never waits for another slot, so slots cannot deadlock.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def cpu_count() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_SLOTS = threading.BoundedSemaphore(cpu_count())


def keep_to_core(number: int) -> None:
    """Run this process on core ``number`` alone, its CPU work one task at a time (a ``-j`` worker
    process of narrator.workers: everything its article runs stays on that core)."""
    global _SLOTS
    with contextlib.suppress(OSError):  # the core was taken away meanwhile: run where allowed
        os.sched_setaffinity(0, {number})
    _SLOTS = threading.BoundedSemaphore(1)


@contextmanager
def core() -> Iterator[None]:
    """Hold one core's slot for the CPU work inside the ``with``."""
    with _SLOTS:
        yield

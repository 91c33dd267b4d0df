"""Processes narrator starts, and the temporary folders they own: nothing outlives its owner.

- SIGTERM ends a narrator process (the parent or a ``-j`` worker) like Ctrl-C: ``SystemExit``
  unwinds the stack, so every ``finally`` removes its partial files and temporary folders.
- ffmpeg children ask the kernel to kill them when the process that started them dies (Linux
  ``PR_SET_PDEATHSIG``), so ``kill -9`` of narrator leaves no orphan writing into a temp folder.
- Temporary folders carry their owner's pid (``narrator-seg-<pid>-…``); at start-up the folders of
  owners that are gone are removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from types import FrameType

from narrator.cores import cpu_count

SEGMENT_PREFIX = "narrator-seg-"
_PR_SET_PDEATHSIG = 1
_OWNED = re.compile(r"narrator-[a-z]+-(\d+)-")


def terminated(signum: int, frame: FrameType | None) -> None:
    """The SIGTERM handler: end like Ctrl-C does, with the exit status of the signal.

    Inside a finalizer (``__del__``) an exception is printed and dropped, so there the signal is
    sent again a moment later instead, to land outside it.
    """
    if _in_finalizer(frame):
        threading.Timer(0.01, os.kill, (os.getpid(), signum)).start()
        return
    raise SystemExit(128 + signum)


def _in_finalizer(frame: FrameType | None) -> bool:
    depth = 0
    while frame is not None and depth < 64:
        if frame.f_code.co_name == "__del__":
            return True
        frame, depth = frame.f_back, depth + 1
    return False


def end_on_sigterm() -> None:
    """Make SIGTERM unwind this process (also the initializer of ``-j`` worker processes)."""
    signal.signal(signal.SIGTERM, terminated)


def temp_prefix(kind: str) -> str:
    """The prefix of a temporary folder of ``kind`` owned by this process: ``narrator-seg-<pid>-``."""
    return f"narrator-{kind}-{os.getpid()}-"


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    """The C library narrator runs on, on Linux (the process's own symbols: no ``ldconfig`` run)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _prctl() -> Callable[..., int] | None:
    libc = _libc()
    prctl: Callable[..., int] | None = getattr(libc, "prctl", None) if libc is not None else None
    return prctl


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_KEEP_BLOCKS_BYTES = 32 << 20  # glibc's largest mmap threshold (on 64-bit systems)


def reuse_freed_memory(arenas: int | None = None) -> None:
    """Ask glibc's malloc to keep freed blocks of up to 32 MB for reuse rather than return them,
    in at most ``arenas`` pools (default: one per core, at least two).

    The audio code makes many short-lived numpy arrays of a few MB; by default each comes from a
    fresh ``mmap`` and is handed back on free, so every one costs page faults again (150,000 of
    them narrating the seed, a third of a second of system time). Kept, they cost a few MB more
    at the peak. But glibc gives each thread a pool of its own (up to eight per core), and each
    pool keeps what its thread freed: a batch's many threads (articles, synthesis, limiter,
    encoder feeds) held 456 MB at the peak for 20 articles with ``-j 2``. With a pool per core
    they shared 155 MB, and took a few percent less time (fewer pages touched). Elsewhere than
    glibc it does nothing.
    """
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None) if libc is not None else None
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, _KEEP_BLOCKS_BYTES)
        mallopt(_M_TRIM_THRESHOLD, 4 * _KEEP_BLOCKS_BYTES)
        mallopt(_M_ARENA_MAX, arenas or max(2, cpu_count()))


def die_with_parent() -> None:
    """Run in a child between fork and exec: the kernel kills it when its parent dies (Linux).

    Elsewhere, or if ``prctl`` is not there, it does nothing.
    """
    prctl = _prctl()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def child_setup() -> Callable[[], None] | None:
    """The ``preexec_fn`` for an ffmpeg child: :func:`die_with_parent` where it works, else None."""
    return die_with_parent if _prctl() is not None else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_orphaned_temp(folder: Path | None = None) -> list[Path]:
    """Remove narrator's temporary folders in ``folder`` (default: the system's) whose owner
    process is gone; return what was removed. (Run at every start: the folder is read by name
    alone, with no ``Path`` or ``stat`` for the entries that are not narrator's.)"""
    root = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        for entry in entries:
            match = _OWNED.match(entry.name)
            if match is None or _alive(int(match.group(1))) or not entry.is_dir(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            path = root / entry.name
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(path)
    return removed


__all__ = [
    "SEGMENT_PREFIX",
    "child_setup",
    "die_with_parent",
    "end_on_sigterm",
    "remove_orphaned_temp",
    "reuse_freed_memory",
    "temp_prefix",
    "terminated",
]

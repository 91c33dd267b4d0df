"""The ffmpeg binary that the imageio-ffmpeg wheel ships, and decoding through it."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import threading
from pathlib import Path

from narrator.atomic import write_atomic
from narrator.cache_dir import default_cache_dir, file_stamp
from narrator.errors import EngineError
from narrator.model import Clip

_finding = threading.Lock()
MEMO_NAME = "ffmpeg.json"  # in narrator's cache folder: the binary found, and what it was found for
_path: str | None = None


def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg executable (found once per process, one thread at a time)."""
    global _path
    with _finding:
        if _path is None:
            _path = _recalled() or _asked()
        return _path


def forget_ffmpeg() -> None:
    """Find ffmpeg again on the next call (tests; a process that changed its environment)."""
    global _path
    with _finding:
        _path = None


def _recalled() -> str | None:
    with contextlib.suppress(OSError):
        return _remembered(default_cache_dir() / MEMO_NAME, _question())
    return None


def _asked() -> str:
    """imageio-ffmpeg's answer (it runs ``ffmpeg -version`` to check the binary), remembered."""
    import imageio_ffmpeg

    path: str = imageio_ffmpeg.get_ffmpeg_exe()
    asked, binary = _question(), _identity(path)
    if asked is not None and binary is not None:
        memo = default_cache_dir() / MEMO_NAME
        with contextlib.suppress(OSError):
            memo.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(memo, json.dumps({"asked": asked, "path": path, "binary": binary}).encode())
    return path


def _question() -> list[object] | None:
    """What imageio-ffmpeg's answer depends on: the installed package (its ``__init__.py``'s size
    and date change with every install), ``IMAGEIO_FFMPEG_EXE`` and ``PATH`` (where it looks for a
    system ffmpeg). None: no imageio-ffmpeg, nothing to remember."""
    spec = importlib.util.find_spec("imageio_ffmpeg")  # finds the package without importing it
    package = _identity(spec.origin) if spec is not None and spec.origin else None
    if package is None:
        return None
    return [package, os.environ.get("IMAGEIO_FFMPEG_EXE", ""), os.environ.get("PATH", "")]


def _identity(path: str) -> list[object] | None:
    """A file's path, size and modification time (ns), or None if it is not there."""
    stamp = file_stamp(path)
    return None if stamp is None else [path, *stamp]


def _remembered(memo: Path, asked: list[object] | None) -> str | None:
    """The ffmpeg found by an earlier run for the same question, if that file is still the one
    found (same size and date) and may be run."""
    if asked is None:
        return None
    try:
        data = json.loads(memo.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("asked") != asked:
        return None
    path = data.get("path")
    if not isinstance(path, str) or data.get("binary") != _identity(path) or not os.access(path, os.X_OK):
        return None
    return path


def find_ffmpeg_soon() -> None:
    """Have the ffmpeg executable found before it is needed. imageio-ffmpeg checks the binary by
    running ``ffmpeg -version`` (about 25 ms here, plus 15 ms to import it), so that runs on a
    thread of its own, started as a narration begins, while the text is prepared. The binary found
    is remembered in narrator's cache folder with its size and date: later runs read that (under a
    millisecond) here and start no thread. A failure is raised again by :func:`ffmpeg_exe`."""
    global _path
    with _finding:
        if _path is None:
            _path = _recalled()
        if _path is not None:
            return

    def find() -> None:
        with contextlib.suppress(Exception):
            ffmpeg_exe()

    threading.Thread(target=find, name="find-ffmpeg", daemon=True).start()


def decode_command(source: str, rate: int, batch_frames: int = 1 << 16) -> list[str]:
    """ffmpeg decoding ``source`` (a path, or ``pipe:0``) to mono 16-bit PCM at ``rate`` on stdout.

    Decoded frames are handed over ``batch_frames`` at a time: each hand-over between ffmpeg's
    threads costs more than decoding an MP3 frame.
    """
    return [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", source,
        "-af", f"asetnsamples=n={batch_frames}:p=0",
        "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(rate), "pipe:1",
    ]


def decode_audio(data: bytes, sample_rate: int = 24000) -> Clip:
    """Decode compressed audio (MP3, WAV, …) to mono 16-bit PCM at ``sample_rate``."""
    if not data:
        raise EngineError("no audio was received")
    proc = subprocess.run(
        decode_command("pipe:0", sample_rate), input=data, capture_output=True, check=False,
    )  # no death signal: fed by narrator, the decoder ends when narrator does (see audio/segments.py)
    if proc.returncode != 0 or not proc.stdout:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EngineError(f"received audio could not be decoded: {reason[-1] if reason else 'empty'}")
    return Clip(pcm=proc.stdout, sample_rate=sample_rate)

"""The ffmpeg binary that the imageio-ffmpeg wheel ships, and decoding through it."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from functools import lru_cache

from narrator.errors import EngineError
from narrator.model import Clip

_finding = threading.Lock()


def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg executable (found once per process, one thread at a time)."""
    with _finding:
        return _found()


@lru_cache(maxsize=1)
def _found() -> str:
    import imageio_ffmpeg

    path: str = imageio_ffmpeg.get_ffmpeg_exe()
    return path


def find_ffmpeg_soon() -> None:
    """Start finding the ffmpeg executable on a thread of its own. imageio-ffmpeg checks the binary
    by running ``ffmpeg -version`` (about 25 ms here); started as a narration begins, that runs
    while the text is prepared instead of when the first paragraph is encoded. A failure is
    raised again when :func:`ffmpeg_exe` is called."""

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

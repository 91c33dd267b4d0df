"""The ffmpeg binary that the imageio-ffmpeg wheel ships, and decoding through it."""

from __future__ import annotations

import subprocess
from functools import lru_cache

from narrator.errors import EngineError
from narrator.model import Clip


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg executable."""
    import imageio_ffmpeg

    path: str = imageio_ffmpeg.get_ffmpeg_exe()
    return path


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

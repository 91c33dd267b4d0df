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


def decode_audio(data: bytes, sample_rate: int = 24000) -> Clip:
    """Decode compressed audio (MP3, WAV, …) to mono 16-bit PCM at ``sample_rate``."""
    if not data:
        raise EngineError("no audio was received")
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", "pipe:0",
         "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(sample_rate), "pipe:1"],
        input=data, capture_output=True, check=False,
    )
    if proc.returncode != 0 or not proc.stdout:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EngineError(f"received audio could not be decoded: {reason[-1] if reason else 'empty'}")
    return Clip(pcm=proc.stdout, sample_rate=sample_rate)

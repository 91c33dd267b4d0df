"""Streaming MP3 encoding through the bundled ffmpeg (libmp3lame, CBR, with a Xing/LAME header)."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from narrator.audio.ffmpeg import ffmpeg_exe
from narrator.errors import InputError, OutputError

#: MPEG-1 layer III rates: spoken word needs at least 64 kbit/s mono for podcast platforms.
SAMPLE_RATES = (32000, 44100, 48000)
BITRATES_KBPS = (64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
#: The LAME tag's encoder field: libmp3lame is LAME, and players look for "LAME" to trust the
#: tag's encoder delay and padding (gapless playback, exact duration).
LAME_TAG_ENCODER = "LAME3.100"


@dataclass(frozen=True)
class EncodeSettings:
    """The MP3 format: spoken-word defaults are mono, 44.1 kHz, 64 kbit/s CBR."""

    sample_rate: int = 44100
    bitrate_kbps: int = 64
    channels: int = 1

    def __post_init__(self) -> None:
        if self.sample_rate not in SAMPLE_RATES:
            rates = ", ".join(str(r) for r in SAMPLE_RATES)
            raise InputError(f"sample rate {self.sample_rate} Hz is not one of {rates}")
        if self.bitrate_kbps not in BITRATES_KBPS:
            rates = ", ".join(str(r) for r in BITRATES_KBPS)
            raise InputError(f"bitrate {self.bitrate_kbps} kbit/s is not one of {rates}")
        if self.channels not in (1, 2):
            raise InputError(f"{self.channels} channels: MP3 has 1 (mono) or 2 (stereo)")


class Mp3Writer:
    """Feeds PCM to an ffmpeg process that writes ``path``; use as a context manager.

    PCM is written as it is ready, so no whole-file copy of the audio is ever held.
    """

    def __init__(self, path: Path, input_rate: int, settings: EncodeSettings | None = None) -> None:
        self.path = path
        self.input_rate = input_rate
        self.settings = settings or EncodeSettings()
        self.frames_written = 0
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Mp3Writer:
        s = self.settings
        command = [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "s16le", "-ar", str(self.input_rate), "-ac", "1", "-i", "pipe:0",
            "-ac", str(s.channels), "-ar", str(s.sample_rate),
            "-c:a", "libmp3lame", "-b:a", f"{s.bitrate_kbps}k", "-abr", "0",
            "-metadata:s:a:0", f"encoder={LAME_TAG_ENCODER}",
            "-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0",
            "-f", "mp3", str(self.path),
        ]
        self._proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log
        )
        return self

    def write(self, pcm: bytes) -> None:
        """Append mono 16-bit PCM at ``input_rate``."""
        if self._proc is None or self._proc.stdin is None:
            raise RuntimeError("Mp3Writer.write called outside its context")
        try:
            self._proc.stdin.write(pcm)
        except BrokenPipeError as exc:
            raise OutputError(f"{self.path}: the MP3 encoder stopped: {self._error()}") from exc
        self.frames_written += len(pcm) // 2

    def _error(self) -> str:
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no message"

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.close()
            if kind is not None:
                proc.kill()
            code = proc.wait()
            if kind is None and code != 0:
                raise OutputError(f"{self.path}: the MP3 encoder failed: {self._error()}")
        finally:
            self._log.close()

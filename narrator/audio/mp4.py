"""AAC in MP4 (``.m4b`` audiobooks, ``.m4a``), encoded by the bundled ffmpeg from normalized PCM.

The PCM is piped in as it is produced (memory stays flat) together with an ffmetadata file that
holds the chapters, which ffmpeg writes as a chapter track (and Nero ``chpl``), the forms Apple's
players and ffprobe read. The stream is flagged bit-exact so the same audio makes the same bytes.
Tags are written afterwards by the publishing zone.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from narrator.audio_settings import EncodeSettings
from narrator.errors import OutputError
from narrator.ffmpeg import ffmpeg_exe
from narrator.files import MP4_SUFFIXES
from narrator.processes import temp_prefix
from narrator.record import record

AAC_CODEC = "aac"  # ffmpeg's own AAC-LC encoder


@record
class Mark:
    """A chapter to write: start and end in ms and a title."""

    start_ms: int
    end_ms: int
    title: str


def is_mp4(path: Path) -> bool:
    """Whether ``path`` names an MP4 audio file (``.m4b`` or ``.m4a``)."""
    return path.suffix.lower() in MP4_SUFFIXES


def _escape(text: str) -> str:
    r"""A value for an ffmetadata file: ``=``, ``;``, ``#``, ``\`` and line ends escaped.

    >>> _escape("a=b;c#d\\e\nf")
    'a\\=b\\;c\\#d\\\\e\\\nf'
    """
    out = text
    for special in ("\\", "=", ";", "#", "\n"):
        out = out.replace(special, "\\" + special)
    return out


def ffmetadata(chapters: Sequence[Mark]) -> str:
    """The chapters as an ffmetadata document in milliseconds."""
    lines = [";FFMETADATA1"]
    for mark in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={mark.start_ms}", f"END={mark.end_ms}",
                  f"title={_escape(mark.title)}"]
    return "\n".join(lines) + "\n"


def encode_command(
    input_rate: int, metadata: Path, out: Path, settings: EncodeSettings, brand: str
) -> list[str]:
    """ffmpeg reading mono 16-bit PCM on stdin and ``metadata``, writing AAC in MP4 to ``out``."""
    return [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(input_rate), "-ac", "1", "-i", "pipe:0",
        "-f", "ffmetadata", "-i", str(metadata),
        "-map", "0:a", "-map_chapters", "1",
        "-ac", str(settings.channels), "-ar", str(settings.sample_rate),
        "-c:a", AAC_CODEC, "-b:a", f"{settings.bitrate_kbps}k",
        "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-movflags", "+faststart", "-brand", brand, "-f", "ipod", str(out),
    ]


class Mp4Writer:
    """A PCM sink that encodes to an MP4 file as PCM arrives; use as a context manager and call
    :meth:`close` to finish (an exception discards the encode)."""

    def __init__(
        self, path: Path, input_rate: int, settings: EncodeSettings, chapters: Sequence[Mark], audiobook: bool
    ) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix=temp_prefix("mp4"))
        metadata = Path(self._folder.name) / "chapters.txt"
        metadata.write_text(ffmetadata(chapters), encoding="utf-8")
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close)
        brand = "M4B " if audiobook else "M4A "
        self._proc = subprocess.Popen(
            encode_command(input_rate, metadata, path, settings, brand),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log,
        )  # no death signal: fed by narrator, the encoder ends when narrator does (see segments.py)
        self._broken = False
        self._closed = False

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self._proc.kill()
        self.close()

    def write(self, pcm: bytes) -> None:
        """Encode the next mono 16-bit PCM."""
        stdin = self._proc.stdin
        if stdin is None or self._broken:
            return
        try:
            stdin.write(pcm)
        except BrokenPipeError:
            self._broken = True  # the encoder stopped: close() reports its message

    def close(self) -> None:
        """Finish the file; OutputError with the encoder's message if it failed."""
        if self._closed:
            return
        self._closed = True
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
        code = self._proc.wait()
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        self._log.close()
        self._folder.cleanup()
        if code not in (0, -9):  # -9: killed after an error of the caller's
            raise OutputError(f"the AAC encoder failed: {lines[-1] if lines else 'no message'}")

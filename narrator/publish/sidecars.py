"""Files beside each MP3, from the narration's real timings: WebVTT and SRT transcripts (one cue per
sentence) and Podcasting 2.0 JSON chapters; plus staging, so that a narration's files all appear
together or not at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from narrator.errors import OutputError
from narrator.model import Cue, Timeline

CHAPTERS_VERSION = "1.2.0"
VTT_SUFFIX = ".vtt"
SRT_SUFFIX = ".srt"
CHAPTERS_SUFFIX = ".chapters.json"


def _clock(ms: int, separator: str) -> str:
    seconds, millis = divmod(max(ms, 0), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def vtt_time(ms: int) -> str:
    """WebVTT timestamp: ``vtt_time(3_723_045) == '01:02:03.045'``."""
    return _clock(ms, ".")


def srt_time(ms: int) -> str:
    """SubRip timestamp: ``srt_time(3_723_045) == '01:02:03,045'``."""
    return _clock(ms, ",")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def vtt_escape(text: str) -> str:
    """Cue text with ``&``, ``<`` and ``>`` escaped, so no text can end a cue or open a tag."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue], language: str = "fa") -> str:
    """A WebVTT transcript: a ``Language`` header, then one numbered cue per sentence."""
    blocks = [f"WEBVTT\nKind: captions\nLanguage: {language}"]
    for number, cue in enumerate(cues, start=1):
        text = vtt_escape(_one_line(cue.text))
        blocks.append(f"{number}\n{vtt_time(cue.start_ms)} --> {vtt_time(cue.end_ms)}\n{text}")
    return "\n\n".join(blocks) + "\n"


def to_srt(cues: Sequence[Cue]) -> str:
    """A SubRip transcript: one numbered cue per sentence."""
    blocks = [
        f"{number}\n{srt_time(cue.start_ms)} --> {srt_time(cue.end_ms)}\n{_one_line(cue.text)}"
        for number, cue in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n"


def to_chapters_json(timeline: Timeline, title: str, audio_name: str) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0): float seconds, one chapter per paragraph."""
    data = {
        "version": CHAPTERS_VERSION,
        "title": title,
        "fileName": audio_name,
        "chapters": [
            {"startTime": c.start_ms / 1000, "endTime": c.end_ms / 1000, "title": c.title}
            for c in timeline.chapters
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class SidecarPaths:
    """Where a narration's files go, all beside the MP3 and named after its stem."""

    mp3: Path
    vtt: Path
    srt: Path
    chapters: Path
    manifest: Path

    @classmethod
    def beside(cls, mp3: Path) -> SidecarPaths:
        """The sidecar paths of the MP3 ``mp3``: ``<stem>.vtt``, ``<stem>.srt``, …"""
        stem = mp3.with_suffix("")
        return cls(
            mp3=mp3,
            vtt=stem.with_name(stem.name + VTT_SUFFIX),
            srt=stem.with_name(stem.name + SRT_SUFFIX),
            chapters=stem.with_name(stem.name + CHAPTERS_SUFFIX),
            manifest=stem.with_name(stem.name + ".json"),
        )


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``: all or nothing."""
    with staged_files() as stage:
        stage.add(path, data)
        stage.commit()


class Stage:
    """Files written to temporaries in their target folders, moved into place by ``commit``."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def add(self, target: Path, data: bytes) -> None:
        """Write ``data`` to a temporary file beside ``target``."""
        try:
            fd, name = tempfile.mkstemp(prefix=".narrator-", suffix=".part", dir=target.parent)
        except OSError as exc:
            raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from exc
        temporary = Path(name)
        self._pending.append((temporary, target))
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, 0o644)
        except OSError as exc:
            raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from exc

    def add_file(self, temporary: Path, target: Path) -> None:
        """Move an already written ``temporary`` file to ``target`` on commit (or delete it)."""
        self._pending.append((temporary, target))
        try:
            os.chmod(temporary, 0o644)  # published files are read by web servers and players
        except OSError as exc:
            raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from exc

    def commit(self) -> None:
        """Move every staged file into place, in the order added."""
        while self._pending:
            temporary, target = self._pending[0]
            try:
                os.replace(temporary, target)
            except OSError as exc:
                raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from exc
            self._pending.pop(0)

    def discard(self) -> None:
        """Delete every staged file that was not moved into place."""
        for temporary, _ in self._pending:
            with contextlib.suppress(OSError):
                temporary.unlink()
        self._pending.clear()


@contextmanager
def staged_files() -> Iterator[Stage]:
    """A :class:`Stage` whose uncommitted files are deleted when the block ends."""
    stage = Stage()
    try:
        yield stage
    finally:
        stage.discard()

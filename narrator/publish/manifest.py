"""``<stem>.json``: the manifest of one narration, and its typed loader.

The manifest is what other tools read instead of the MP3: the feed, the listening page. Its format
is documented in ``docs/podcast.md``; ``FORMAT_VERSION`` changes whenever a field is renamed,
removed or changes meaning, and :func:`load_manifest` refuses any other version with a message
that names the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from narrator.errors import InputError
from narrator.publish.jsontext import dumps
from narrator.publish.settings import SourceInfo as SourceInfo  # re-exported: the manifest's field
from narrator.record import record

FORMAT = "narrator.manifest"
FORMAT_VERSION = 1
#: GUIDs of narrations are UUIDv5 names in this namespace (derived from content, never from time).
GUID_NAMESPACE = uuid.UUID("6f1e3c52-6a0b-5d2e-9f1e-6e6172726174")


@record
class WordEntry:
    """One written word and when it is heard (ms from the file's start), from the engine's word times."""

    start_ms: int
    end_ms: int
    text: str


@record
class SentenceEntry:
    """One sentence: when it is heard (ms from the file's start), its written and spoken forms, and
    its written words' times when the engine reported word times (optional; empty otherwise)."""

    index: int
    start_ms: int
    end_ms: int
    text: str
    spoken: str
    words: tuple[WordEntry, ...] = ()


@record
class ParagraphEntry:
    """One paragraph, which is one chapter: its span, chapter title, written text and sentences."""

    index: int
    start_ms: int
    end_ms: int
    title: str
    text: str
    sentences: tuple[SentenceEntry, ...]


@record
class AudioInfo:
    """The MP3's size in bytes and format."""

    bytes: int
    sample_rate: int
    bitrate_kbps: int
    channels: int


@record
class LoudnessInfo:
    """Loudness measured before and after normalization (None where not measurable, e.g. silence)."""

    target_lufs: float
    input_lufs: float | None
    input_true_peak_dbtp: float | None
    gain_db: float
    limited: bool
    output_lufs: float | None
    output_true_peak_dbtp: float | None


@record
class Files:
    """Names of the narration's files, relative to the manifest's folder."""

    mp3: str
    vtt: str
    srt: str
    chapters: str
    manifest: str


@record
class Manifest:
    """Everything about one narration that a feed or a page needs."""

    format: str
    format_version: int
    narrator_version: str
    guid: str
    created: str  # ISO 8601 in UTC, e.g. ``2026-05-01T12:30:00Z``
    title: str
    language: str
    duration_ms: int
    engine: str
    voice: str
    album: str
    source: SourceInfo
    audio: AudioInfo
    loudness: LoudnessInfo | None
    files: Files
    paragraphs: tuple[ParagraphEntry, ...]

    @property
    def sentences(self) -> tuple[SentenceEntry, ...]:
        """Every sentence in order."""
        return tuple(s for p in self.paragraphs for s in p.sentences)

    @property
    def created_at(self) -> datetime:
        """``created`` as an aware datetime."""
        return parse_time(self.created)

    def to_json(self) -> str:
        """The manifest as JSON text laid out over lines to each sentence (UTF-8, Persian unescaped)."""
        return dumps(asdict(self), depth=4)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def narration_guid(text_sha256: str, engine: str, voice: str) -> str:
    """A stable GUID for the narration of a text by a voice: same text and voice, same GUID."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{text_sha256}|{engine}|{voice}"))


def format_time(moment: datetime) -> str:
    """``moment`` in UTC as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time as an aware datetime (UTC when no offset is given)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def finite(value: float) -> float | None:
    """``value`` rounded to 0.01, or None for infinities and NaN (which JSON cannot hold)."""
    return round(value, 2) if math.isfinite(value) else None


# --- loading ---------------------------------------------------------------------------------


class _Fields:
    """Typed access to one JSON object of the manifest; every problem names the file and field."""

    def __init__(self, path: Path, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise _bad(path, f"{where or 'the manifest'} is not a JSON object")
        self.path = path
        self.data: dict[str, Any] = data
        self.where = where

    def _get(self, key: str) -> object:
        if key not in self.data:
            raise _bad(path=self.path, reason=f"missing field {self.where}{key!r}", old=True)
        return self.data[key]

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise _bad(self.path, f"field {self.where}{key!r} is not text")
        return value

    def whole(self, key: str) -> int:
        value = self._get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _bad(self.path, f"field {self.where}{key!r} is not a whole number")
        return value

    def number(self, key: str) -> float:
        value = self._get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _bad(self.path, f"field {self.where}{key!r} is not a number")
        return float(value)

    def optional_text(self, key: str) -> str | None:
        """A text field that may be missing or null (added to the format after version 1 was out)."""
        return None if self.data.get(key) is None else self.text(key)

    def optional_number(self, key: str) -> float | None:
        return None if self._get(key) is None else self.number(key)

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise _bad(self.path, f"field {self.where}{key!r} is not true or false")
        return value

    def obj(self, key: str) -> _Fields:
        return _Fields(self.path, self._get(key), f"{self.where}{key}.")

    def optional_obj(self, key: str) -> _Fields | None:
        return None if self._get(key) is None else self.obj(key)

    def objects(self, key: str) -> list[_Fields]:
        value = self._get(key)
        if not isinstance(value, list):
            raise _bad(self.path, f"field {self.where}{key!r} is not a list")
        return [_Fields(self.path, item, f"{self.where}{key}[{i}].") for i, item in enumerate(value)]


def _bad(path: Path, reason: str, old: bool = False) -> InputError:
    hint = " (written by an older narrator? narrate the article again)" if old else ""
    return InputError(f"{path}: not a usable narration manifest: {reason}{hint}")


def load_manifest(path: Path) -> Manifest:
    """Read and check the manifest at ``path``; InputError naming the file if it is unusable.

    Manifests of another format version (an older run) or with missing fields are refused.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: is not a JSON manifest ({exc})") from exc
    top = _Fields(path, data, "")
    if top.data.get("format") != FORMAT:
        raise _bad(path, f"its 'format' is not {FORMAT!r}", old="format" not in top.data)
    version = top.whole("format_version")
    if version != FORMAT_VERSION:
        older = version < FORMAT_VERSION
        raise _bad(
            path,
            f"format version {version}, this narrator reads version {FORMAT_VERSION}",
            old=older,
        )
    return _manifest(top)


def _manifest(top: _Fields) -> Manifest:
    source, audio, files = top.obj("source"), top.obj("audio"), top.obj("files")
    loud = top.optional_obj("loudness")
    created = top.text("created")
    try:
        parse_time(created)
    except ValueError:
        raise _bad(top.path, f"field 'created' is not an ISO 8601 time: {created!r}") from None
    return Manifest(
        format=FORMAT,
        format_version=top.whole("format_version"),
        narrator_version=top.text("narrator_version"),
        guid=top.text("guid"),
        created=created,
        title=top.text("title"),
        language=top.text("language"),
        duration_ms=top.whole("duration_ms"),
        engine=top.text("engine"),
        voice=top.text("voice"),
        album=top.text("album"),
        source=SourceInfo(
            name=source.text("name"),
            sha256=source.text("sha256"),
            url=source.optional_text("url"),
            published=source.optional_text("published"),
            author=source.optional_text("author"),
            site=source.optional_text("site"),
        ),
        audio=AudioInfo(
            bytes=audio.whole("bytes"),
            sample_rate=audio.whole("sample_rate"),
            bitrate_kbps=audio.whole("bitrate_kbps"),
            channels=audio.whole("channels"),
        ),
        loudness=None if loud is None else _loudness(loud),
        files=Files(
            mp3=files.text("mp3"),
            vtt=files.text("vtt"),
            srt=files.text("srt"),
            chapters=files.text("chapters"),
            manifest=files.text("manifest"),
        ),
        paragraphs=tuple(_paragraph(p) for p in top.objects("paragraphs")),
    )


def _loudness(f: _Fields) -> LoudnessInfo:
    return LoudnessInfo(
        target_lufs=f.number("target_lufs"),
        input_lufs=f.optional_number("input_lufs"),
        input_true_peak_dbtp=f.optional_number("input_true_peak_dbtp"),
        gain_db=f.number("gain_db"),
        limited=f.flag("limited"),
        output_lufs=f.optional_number("output_lufs"),
        output_true_peak_dbtp=f.optional_number("output_true_peak_dbtp"),
    )


def _paragraph(f: _Fields) -> ParagraphEntry:
    return ParagraphEntry(
        index=f.whole("index"),
        start_ms=f.whole("start_ms"),
        end_ms=f.whole("end_ms"),
        title=f.text("title"),
        text=f.text("text"),
        sentences=tuple(
            SentenceEntry(
                index=s.whole("index"),
                start_ms=s.whole("start_ms"),
                end_ms=s.whole("end_ms"),
                text=s.text("text"),
                spoken=s.text("spoken"),
                words=tuple(
                    WordEntry(w.whole("start_ms"), w.whole("end_ms"), w.text("text"))
                    for w in (s.objects("words") if "words" in s.data else [])
                ),
            )
            for s in f.objects("sentences")
        ),
    )


def narration_source(path: Path) -> str | None:
    """The source label of the narration whose manifest is ``path``, or None if ``path`` is not a
    narrator manifest (of any format version: an older narration may be replaced by a newer one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    source = data.get("source")
    name = source.get("name") if isinstance(source, dict) else None
    return name if isinstance(name, str) else None

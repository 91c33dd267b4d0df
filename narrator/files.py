"""The set of files one narration writes, named once for every module that needs them.

The audio file (``.mp3``; ``.m4b``/``.m4a`` where supported) is the anchor; the sidecars, manifest
and listening page sit beside it and are named after its stem. Batch planning, the overwrite guard,
publishing, the folder index and the feed all ask this type, never build names themselves.
"""

from __future__ import annotations

from pathlib import Path

from narrator.record import record

VTT_SUFFIX = ".vtt"
SRT_SUFFIX = ".srt"
CHAPTERS_SUFFIX = ".chapters.json"
MANIFEST_SUFFIX = ".json"
PAGE_SUFFIX = ".page.html"  # never ``.html``: an HTML article narrated in its own folder must survive
MP4_SUFFIXES = (".m4b", ".m4a")  # AAC in MP4
AUDIO_SUFFIXES = (".mp3", *MP4_SUFFIXES)
INDEX_NAME = "index.html"
FEED_NAME = "feed.xml"


def is_audio_name(path: Path) -> bool:
    """Whether ``path`` names an audio file narrator writes (rather than a folder)."""
    return path.suffix.lower() in AUDIO_SUFFIXES


@record
class NarrationFiles:
    """Where a narration's files go, all beside the audio file and named after its stem."""

    audio: Path
    vtt: Path
    srt: Path
    chapters: Path
    manifest: Path
    page: Path

    @classmethod
    def beside(cls, audio: Path) -> NarrationFiles:
        """The files of the narration whose audio is ``audio``: ``<stem>.vtt``, ``<stem>.srt``, …"""
        stem = audio.with_suffix("")

        def named(suffix: str) -> Path:
            return stem.with_name(stem.name + suffix)

        return cls(
            audio=audio,
            vtt=named(VTT_SUFFIX),
            srt=named(SRT_SUFFIX),
            chapters=named(CHAPTERS_SUFFIX),
            manifest=named(MANIFEST_SUFFIX),
            page=named(PAGE_SUFFIX),
        )

    def all(self) -> tuple[Path, ...]:
        """Every file, the audio first and the manifest last but for the page."""
        return (self.audio, self.vtt, self.srt, self.chapters, self.manifest, self.page)

    def sidecars(self) -> tuple[Path, ...]:
        """Every file but the audio."""
        return self.all()[1:]

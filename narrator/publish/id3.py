"""ID3v2.3 tags: title, language and one CHAP per paragraph under an ordered top-level CTOC."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import CHAP, CTOC, ID3, TIT2, TLAN, TPE1, TSSE, CTOCFlags

from narrator.model import Timeline

TOC_ID = "toc"


@dataclass(frozen=True)
class TagInfo:
    """Descriptive tags besides the chapters."""

    title: str
    language: str = "fas"
    artist: str | None = None
    encoder: str = "narrator"


def chapter_id(index: int) -> str:
    """The element id of the ``index``-th chapter: ``'chp0'``, ``'chp1'``, …"""
    return f"chp{index}"


def write_tags(path: Path, info: TagInfo, timeline: Timeline) -> None:
    """Replace the ID3 tag of the MP3 at ``path`` with ``info`` and ``timeline``'s chapters."""
    tags = ID3()
    tags.add(TIT2(encoding=1, text=[info.title]))
    tags.add(TLAN(encoding=1, text=[info.language]))
    if info.artist:
        tags.add(TPE1(encoding=1, text=[info.artist]))
    tags.add(TSSE(encoding=1, text=[info.encoder]))
    ids = [chapter_id(i) for i in range(len(timeline.chapters))]
    tags.add(
        CTOC(
            element_id=TOC_ID,
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=1, text=[info.title])],
        )
    )
    for element_id, chapter in zip(ids, timeline.chapters, strict=True):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=1, text=[chapter.title])],
            )
        )
    tags.save(path, v2_version=3, padding=lambda info: 0)

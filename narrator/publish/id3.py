"""ID3v2.3 tags: title, voice, album, date, language, genre, source comment, full text as USLT, cover
art, and one CHAP per paragraph under an ordered top-level CTOC.

Text frames use UTF-16 (encoding 1): ID3v2.3 has no UTF-8, and Persian needs more than Latin-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDOR,
    TDRC,
    TEXT,
    TIT2,
    TLAN,
    TPE1,
    TPUB,
    TSSE,
    USLT,
    CTOCFlags,
    ID3NoHeaderError,
    PictureType,
)

from narrator.model import Timeline
from narrator.publish.cover import Cover

TOC_ID = "toc"
MAX_TOC_ENTRIES = 255  # a CTOC's entry count is one byte


@dataclass(frozen=True)
class TagInfo:
    """Descriptive tags besides the chapters."""

    title: str
    language: str = "fas"
    artist: str | None = None
    encoder: str = "narrator"
    album: str | None = None
    date: str | None = None  # ISO 8601 (``2024-05-01T12:30:00``); stored as TYER/TDAT/TIME in v2.3
    genre: str | None = "Podcast"
    comment: str | None = None
    lyrics: str | None = None
    author: str | None = None  # the article's writer (TEXT, lyricist/text writer)
    publisher: str | None = None  # the site that published the article (TPUB)
    published: str | None = None  # the article's date, ``YYYY-MM-DD``; v2.3 keeps its year (TORY)
    cover: Cover | None = None


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
    _add_descriptive(tags, info)
    ids = [chapter_id(i) for i in range(len(timeline.chapters))]
    _add_toc(tags, info.title, ids)
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
    tags.update_to_v23()  # TDRC becomes TYER/TDAT/TIME; mutagen's save does not convert by itself
    tags.save(path, v2_version=3, padding=lambda info: 0)


def _add_toc(tags: ID3, title: str, ids: list[str]) -> None:
    """The ordered top-level CTOC listing ``ids``.

    A CTOC counts its entries in one byte, so beyond 255 chapters the top-level CTOC lists
    sub-tables (``toc0``, ``toc1``…) of up to 255 chapters each, as ID3's chapter addendum allows.
    """
    flags = CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    if len(ids) <= MAX_TOC_ENTRIES:
        tags.add(CTOC(element_id=TOC_ID, flags=flags, child_element_ids=ids, sub_frames=[_title(title)]))
        return
    groups = [ids[i : i + MAX_TOC_ENTRIES] for i in range(0, len(ids), MAX_TOC_ENTRIES)]
    names = [f"{TOC_ID}{n}" for n in range(len(groups))]
    tags.add(CTOC(element_id=TOC_ID, flags=flags, child_element_ids=names, sub_frames=[_title(title)]))
    for name, group in zip(names, groups, strict=True):
        tags.add(CTOC(element_id=name, flags=CTOCFlags.ORDERED, child_element_ids=group, sub_frames=[]))


def _title(text: str) -> TIT2:
    return TIT2(encoding=1, text=[text])


def _add_descriptive(tags: ID3, info: TagInfo) -> None:
    """The optional frames: album, date, genre, comment, lyrics and cover."""
    if info.album:
        tags.add(TALB(encoding=1, text=[info.album]))
    if info.date:
        tags.add(TDRC(encoding=1, text=[info.date]))  # mutagen writes TYER+TDAT+TIME for v2.3
    if info.genre:
        tags.add(TCON(encoding=1, text=[info.genre]))
    if info.author:
        tags.add(TEXT(encoding=1, text=[info.author]))
    if info.publisher:
        tags.add(TPUB(encoding=1, text=[info.publisher]))
    if info.published and info.published[:4].isdigit():
        tags.add(TDOR(encoding=1, text=[info.published]))  # mutagen writes TORY for v2.3
    if info.comment:
        tags.add(COMM(encoding=1, lang=info.language, desc="", text=[info.comment]))
    if info.lyrics:
        tags.add(USLT(encoding=1, lang=info.language, desc="", text=info.lyrics))
    if info.cover is not None:
        cover = info.cover
        tags.add(APIC(encoding=1, mime=cover.mime, type=PictureType.COVER_FRONT, desc="", data=cover.data))


def written_by_narrator(path: Path) -> bool:
    """Whether the audio file at ``path`` carries narrator's encoder tag (TSSE)."""
    try:
        tags = ID3(path)
    except (ID3NoHeaderError, MutagenError, OSError):
        return False
    frame = tags.get("TSSE")
    return frame is not None and any(str(t).startswith("narrator") for t in frame.text)

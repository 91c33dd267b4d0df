"""ID3v2.3 tags: title, voice, album, date, language, genre, source comment, full text as USLT, cover
art, and one CHAP per paragraph under an ordered top-level CTOC.

Text frames use UTF-16 (encoding 1): ID3v2.3 has no UTF-8, and Persian needs more than Latin-1.

mutagen writes frames sorted by size (mutagen issue #506), so CHAP frames would land out of order,
and ffprobe, ``ffmpeg -map_chapters`` and players that take chapters in the order they meet them
would disagree with the CTOC. After mutagen has saved the tag through its public API,
:func:`order_chapter_frames` moves the CHAP frames into start order right after the CTOC frames,
reading and rewriting only what the ID3v2.3 standard defines (frame headers and the CHAP start
time); the tag's length and every frame's bytes stay the same.
"""

from __future__ import annotations

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
from narrator.record import record

TOC_ID = "toc"
MAX_TOC_ENTRIES = 255  # a CTOC's entry count is one byte


@record
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


def chapter_id(index: int, count: int = 0) -> str:
    """The element id of the ``index``-th chapter (from 0) of ``count``: ids sort as the chapters do.

    >>> chapter_id(0), chapter_id(11), chapter_id(11, 12_345)
    ('ch0001', 'ch0012', 'ch00012')
    """
    return f"ch{index + 1:0{max(4, len(str(count)))}d}"


def write_tags(path: Path, info: TagInfo, timeline: Timeline) -> None:
    """Replace the ID3 tag of the MP3 at ``path`` with ``info`` and ``timeline``'s chapters."""
    tags = ID3()
    tags.add(TIT2(encoding=1, text=[info.title]))
    tags.add(TLAN(encoding=1, text=[info.language]))
    if info.artist:
        tags.add(TPE1(encoding=1, text=[info.artist]))
    tags.add(TSSE(encoding=1, text=[info.encoder]))
    _add_descriptive(tags, info)
    ids = [chapter_id(i, len(timeline.chapters)) for i in range(len(timeline.chapters))]
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
    order_chapter_frames(path)


_HEADER = 10  # ID3v2 tag header and ID3v2.3 frame header are both 10 bytes


def _syncsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def split_frames(body: bytes) -> tuple[list[bytes], bytes]:
    """The ID3v2.3 frames (header included) of a tag body, and the padding after them."""
    frames: list[bytes] = []
    at = 0
    while at + _HEADER <= len(body) and body[at] != 0:
        size = int.from_bytes(body[at + 4 : at + 8], "big")
        end = at + _HEADER + size
        if end > len(body):
            raise ValueError("an ID3 frame runs past the end of its tag")
        frames.append(body[at:end])
        at = end
    return frames, body[at:]


def chap_start_ms(frame: bytes) -> int:
    """The start time of a CHAP frame: after its NUL-terminated element id, four bytes of ms."""
    body = frame[_HEADER:]
    at = body.index(0) + 1
    return int.from_bytes(body[at : at + 4], "big")


def chapters_in_start_order(frames: list[bytes]) -> list[bytes]:
    """``frames`` with the CHAP frames taken out, sorted by start, and put after the last CTOC
    (or first, without a CTOC); every other frame keeps its place."""
    chaps = sorted((f for f in frames if f[:4] == b"CHAP"), key=chap_start_ms)
    others = [f for f in frames if f[:4] != b"CHAP"]
    tocs = [i for i, f in enumerate(others) if f[:4] == b"CTOC"]
    at = tocs[-1] + 1 if tocs else 0
    return others[:at] + chaps + others[at:]


def order_chapter_frames(path: Path) -> None:
    """Rewrite the ID3v2.3 tag at the start of ``path`` in place with its CHAP frames in start order."""
    with path.open("r+b") as f:
        header = f.read(_HEADER)
        if header[:3] != b"ID3" or header[3] != 3 or header[5] != 0:
            raise ValueError(f"{path}: expected a plain ID3v2.3 tag (no flags) at the start")
        body = f.read(_syncsafe(header[6:10]))
        frames, padding = split_frames(body)
        ordered = b"".join(chapters_in_start_order(frames)) + padding
        if ordered != body:
            f.seek(_HEADER)
            f.write(ordered)


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

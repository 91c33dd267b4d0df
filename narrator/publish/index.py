"""``index.html`` for a folder of narrations (every article with its duration, newest first).

Also rewrites each narration's listening page from its manifest, for ``narrator page DIR``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from narrator.atomic import write_text_atomic
from narrator.errors import InputError
from narrator.files import AUDIO_SUFFIXES, FEED_NAME, INDEX_NAME, MANIFEST_SUFFIX, MP4_SUFFIXES
from narrator.model import ChapterMark, Cue, Timeline
from narrator.publish.jalali import persian_date
from narrator.publish.manifest import Manifest, load_manifest
from narrator.publish.page import (
    PERSIAN_DIGITS,
    asset,
    clock,
    content_policy,
    fill,
    isolate_latin,
    page_path,
    write_page,
)
from narrator.record import record
from narrator.strings import quote_name, repair_surrogates

INDEX_MARKER = b'<meta name="generator" content="narrator">'  # marks an index narrator wrote


@record
class IndexEntry:
    """One narrated article as the index lists it."""

    title: str
    duration_ms: int
    published: datetime
    audio: str
    page: str | None


def manifest_path(mp3: Path) -> Path:
    """Where the manifest of ``mp3`` lives: ``<stem>.json`` beside it."""
    return mp3.with_suffix(MANIFEST_SUFFIX)


def manifest_timeline(manifest: Manifest) -> Timeline:
    """The chapters and sentence cues a manifest records, as a :class:`Timeline`."""
    return Timeline(
        duration_ms=manifest.duration_ms,
        chapters=tuple(ChapterMark(p.start_ms, p.end_ms, p.title) for p in manifest.paragraphs),
        cues=tuple(Cue(s.start_ms, s.end_ms, s.text) for s in manifest.sentences),
        words=tuple(tuple(Cue(w.start_ms, w.end_ms, w.text) for w in s.words) for s in manifest.sentences),
    )


def read_entry(mp3: Path) -> IndexEntry:
    """The index entry for ``mp3``: from its manifest when there is one, else from its ID3 tags."""
    page = page_path(mp3)
    page_name = page.name if page.is_file() else None
    manifest = manifest_path(mp3)
    if manifest.is_file():
        try:
            info = load_manifest(manifest)
        except InputError:  # an unusable manifest does not hide the narration: its tags still tell
            return _entry_from_tags(mp3, page_name)
        return IndexEntry(info.title, info.duration_ms, info.created_at, mp3.name, page_name)
    return _entry_from_tags(mp3, page_name)


def _tagged_title(mp3: Path, audio: MP3 | MP4) -> str:
    if isinstance(audio, MP4):
        names = audio.tags.get("\xa9nam") if audio.tags is not None else None
        return str(names[0]) if names else mp3.stem
    title_frame = audio.tags.get("TIT2") if audio.tags is not None else None
    return str(title_frame.text[0]) if title_frame is not None and title_frame.text else mp3.stem


def _entry_from_tags(mp3: Path, page_name: str | None) -> IndexEntry:
    kind = "MP4" if mp3.suffix.lower() in MP4_SUFFIXES else "MP3"
    try:
        audio = MP4(mp3) if kind == "MP4" else MP3(mp3)
    except (MutagenError, OSError) as exc:
        raise InputError(f"{mp3}: not a readable {kind} ({exc})") from exc
    length = getattr(audio.info, "length", None)
    if not isinstance(length, float):
        raise InputError(f"{mp3}: the {kind} has no duration")
    title = _tagged_title(mp3, audio)
    return IndexEntry(
        title=title,
        duration_ms=round(length * 1000),
        published=datetime.fromtimestamp(mp3.stat().st_mtime, UTC),
        audio=mp3.name,
        page=page_name,
    )


def narrations(folder: Path) -> list[Path]:
    """The visible audio files (``.mp3``, ``.m4b``, ``.m4a``) directly in ``folder``, sorted by name."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    found = (p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES and not p.name.startswith("."))
    return sorted(p for p in found if p.is_file())


def write_pages(folder: Path) -> list[Path]:
    """Rewrite the listening page of every narration in ``folder`` that has a manifest."""
    written = []
    for mp3 in narrations(folder):
        manifest = manifest_path(mp3)
        if manifest.is_file():
            info = load_manifest(manifest)
            written.append(write_page(mp3, info.title, manifest_timeline(info), info.created_at))
    return written


def collect(folder: Path) -> list[IndexEntry]:
    """Every narrated article in ``folder`` (its visible ``.mp3`` files), newest first."""
    entries = [read_entry(p) for p in narrations(folder)]
    return sorted(entries, key=lambda e: (e.published, e.audio), reverse=True)


def _date(moment: datetime) -> str:
    return persian_date(moment)


def _items(entries: Iterable[IndexEntry]) -> str:
    rows = []
    for entry in entries:
        href = html.escape(quote_name(entry.page or entry.audio))
        rows.append(
            f'<li><a href="{href}">{isolate_latin(repair_surrogates(entry.title))}</a> '
            f'<span class="meta"><span dir="ltr">{clock(entry.duration_ms)}</span> · '
            f'<time datetime="{entry.published.isoformat()}">{_date(entry.published)}</time>'
            "</span></li>"
        )
    return "\n".join(rows)


def _feed_link(feed: str | None) -> tuple[str, str]:
    """The ``<head>`` link and the visible link to the folder's podcast feed, if there is one."""
    if feed is None:
        return "", ""
    href = html.escape(quote_name(feed))
    return (
        f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{href}">\n',
        f'<p class="feed"><a href="{href}" type="application/rss+xml">خوراک پادکست (RSS)</a></p>\n',
    )


def render_index(entries: list[IndexEntry], title: str = "روایت‌ها", feed: str | None = None) -> str:
    """The index page listing ``entries`` in the order given, as HTML text; ``feed`` is the name of
    the folder's podcast feed, linked when given."""
    css = asset("index.css")
    listing = _items(entries) if entries else "<li>هنوز روایتی نیست.</li>"
    alternate, visible = _feed_link(feed)
    return fill(
        asset("index.html"),
        {
            "alternate": alternate,
            "feed": visible,
            "title": html.escape(title),
            "css": css,
            "csp": html.escape(content_policy(css, None)),
            "count": str(len(entries)).translate(PERSIAN_DIGITS),
            "items": listing,
        },
    )


def write_index(folder: Path, title: str = "روایت‌ها", feed: Path | None = None) -> Path:
    """Write ``index.html`` in ``folder`` listing every narration there, atomically.

    It links the podcast feed ``feed`` when that lies in ``folder`` (default: ``feed.xml`` there,
    when it exists).
    """
    target = folder / INDEX_NAME
    found = feed if feed is not None else folder / FEED_NAME
    linked = found.name if found.parent.resolve() == folder.resolve() and found.is_file() else None
    write_text_atomic(target, render_index(collect(folder), title, linked))
    return target

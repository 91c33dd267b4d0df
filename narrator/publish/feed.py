"""``narrator feed``: an RSS 2.0 podcast feed of every narration (every manifest) in a folder.

The feed carries the iTunes namespace (duration, explicit, image, author, category) and the
Podcasting 2.0 namespace (chapters, transcripts, the channel GUID). Items are newest first and
their GUIDs come from the manifests, which derive them from the text's checksum and the voice, so
re-generating the feed never changes them. The XML is built with ElementTree, so Persian text and
any ``<`` or ``&`` in it are escaped by the serializer, never by hand.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from narrator import __version__
from narrator.atomic import write_atomic
from narrator.errors import InputError
from narrator.files import AUDIO_SUFFIXES, CHAPTERS_SUFFIX
from narrator.publish.jalali import persian_date
from narrator.publish.manifest import FORMAT, Manifest, load_manifest

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
#: The namespace Podcasting 2.0 defines for ``podcast:guid`` (UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
FEED_NAME = "feed.xml"
DEFAULT_AUTHOR = "narrator"
DEFAULT_CATEGORY = "News"

FEED_MARKER = b"<generator>narrator"  # what marks a feed narrator wrote (and may replace)


@dataclass(frozen=True)
class FeedSettings:
    """What the channel says about itself; ``base_url`` is where the folder's files are served."""

    base_url: str
    title: str | None = None  # default: the album of the newest narration
    author: str = DEFAULT_AUTHOR
    image: str | None = None  # URL of the channel artwork
    description: str | None = None
    category: str = DEFAULT_CATEGORY
    language: str = "fa"


@dataclass(frozen=True)
class Episode:
    """A narration found in the folder: its manifest, where it was read, its MP3's size."""

    manifest: Manifest
    path: Path
    audio_bytes: int


def check_url(url: str, what: str) -> str:
    """``url`` if it is an absolute http(s) URL, else InputError saying which option is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{what} must be an http:// or https:// URL, not {url!r}")
    return url


def file_url(base_url: str, name: str) -> str:
    """The URL of the file ``name`` served from the folder at ``base_url`` (name percent-encoded)."""
    return base_url.rstrip("/") + "/" + quote(name)


def podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 channel GUID: UUIDv5 of the feed URL without scheme and trailing slash."""
    parts = urlsplit(feed_url)
    bare = (parts.netloc + parts.path).rstrip("/")
    if parts.query:
        bare += "?" + parts.query
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


#: Enclosure MIME types as podcast apps expect them: Apple's podcast spec lists ``audio/x-m4a`` for
#: AAC in MP4 (an ``.m4b`` is the same container, and no other type for it is widely accepted).
ENCLOSURE_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/x-m4a", ".m4b": "audio/x-m4a"}


def enclosure_type(name: str) -> str:
    """The enclosure MIME type of the audio file ``name``.

    >>> enclosure_type("a.mp3"), enclosure_type("b.M4B")
    ('audio/mpeg', 'audio/x-m4a')
    """
    return ENCLOSURE_TYPES.get(Path(name).suffix.lower(), "audio/mpeg")


def itunes_duration(ms: int) -> str:
    """``HH:MM:SS``: ``itunes_duration(3_723_600) == '01:02:04'``."""
    seconds = round(ms / 1000)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _is_manifest_candidate(path: Path) -> bool:
    """A ``<stem>.json`` beside ``<stem>.mp3``, or any JSON whose ``format`` is a narrator manifest."""
    if path.name.endswith(CHAPTERS_SUFFIX) or not path.is_file():
        return False
    if any(path.with_suffix(suffix).exists() for suffix in AUDIO_SUFFIXES):
        return True
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def find_episodes(folder: Path) -> list[Episode]:
    """Every narration in ``folder``, newest first; InputError if there is none or one is unusable."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    episodes: list[Episode] = []
    for path in sorted(p for p in folder.glob("*.json") if _is_manifest_candidate(p)):
        manifest = load_manifest(path)
        for name in (manifest.files.vtt, manifest.files.srt, manifest.files.chapters):
            if not (folder / name).is_file():
                raise InputError(f"{path}: its file {name} is missing from {folder}")
        audio = folder / manifest.files.mp3
        if not audio.is_file():
            raise InputError(f"{path}: its audio {manifest.files.mp3} is missing from {folder}")
        episodes.append(Episode(manifest, path, audio.stat().st_size))
    if not episodes:
        beside = "a <name>.mp3, .m4b or .m4a"
        raise InputError(f"{folder}: has no narrations (no manifest <name>.json beside {beside})")
    seen: dict[str, Path] = {}
    for episode in episodes:
        other = seen.setdefault(episode.manifest.guid, episode.path)
        if other != episode.path:
            raise InputError(f"{other} and {episode.path} narrate the same text with the same voice")
    episodes.sort(key=lambda e: (e.manifest.created_at, e.path.name), reverse=True)
    return episodes


def _sub(parent: ET.Element, tag: str, content: str | None = None, /, **attrs: str) -> ET.Element:
    """A child element ``tag`` of ``parent`` with text ``content`` and attributes ``attrs``."""
    element = ET.SubElement(parent, tag, attrs)
    if content is not None:
        element.text = content
    return element


def build_feed(episodes: list[Episode], settings: FeedSettings, feed_name: str = FEED_NAME) -> bytes:
    """The RSS 2.0 document for ``episodes`` (newest first), as UTF-8 bytes."""
    base = check_url(settings.base_url, "--base-url")
    if settings.image is not None:
        check_url(settings.image, "--image")
    ET.register_namespace("itunes", ITUNES)
    ET.register_namespace("podcast", PODCAST)
    ET.register_namespace("atom", ATOM)
    newest = episodes[0].manifest
    title = settings.title or newest.album
    feed_url = file_url(base, feed_name)

    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", title)
    _sub(channel, "link", base)
    _sub(channel, "description", settings.description or f"{title}: narrated articles")
    _sub(channel, "language", settings.language)
    _sub(channel, "generator", f"narrator {__version__}")
    _sub(channel, "lastBuildDate", format_datetime(newest.created_at, usegmt=True))
    _sub(channel, f"{{{ATOM}}}link", href=feed_url, rel="self", type="application/rss+xml")
    _sub(channel, f"{{{ITUNES}}}author", settings.author)
    _sub(channel, f"{{{ITUNES}}}category", text=settings.category)
    _sub(channel, f"{{{ITUNES}}}explicit", "false")
    _sub(channel, f"{{{ITUNES}}}type", "episodic")
    if settings.image is not None:
        image = _sub(channel, "image")
        _sub(image, "url", settings.image)
        _sub(image, "title", title)
        _sub(image, "link", base)
        _sub(channel, f"{{{ITUNES}}}image", href=settings.image)
    _sub(channel, f"{{{PODCAST}}}guid", podcast_guid(feed_url))
    for episode in episodes:
        _item(channel, episode, base, settings)
    ET.indent(rss)
    body: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def _item(channel: ET.Element, episode: Episode, base: str, settings: FeedSettings) -> None:
    m = episode.manifest
    item = _sub(channel, "item")
    _sub(item, "title", m.title)
    summary = m.paragraphs[0].text if m.paragraphs else m.title
    _sub(item, "description", f"{persian_date(m.created_at)} — {summary}")  # pubDate stays Gregorian
    _sub(item, "guid", m.guid, isPermaLink="false")
    _sub(item, "pubDate", format_datetime(m.created_at, usegmt=True))
    audio_url = file_url(base, m.files.mp3)
    _sub(item, "enclosure", url=audio_url, length=str(episode.audio_bytes), type=enclosure_type(m.files.mp3))
    _sub(item, f"{{{ITUNES}}}title", m.title)
    _sub(item, f"{{{ITUNES}}}author", settings.author)
    _sub(item, f"{{{ITUNES}}}duration", itunes_duration(m.duration_ms))
    _sub(item, f"{{{ITUNES}}}explicit", "false")
    _sub(item, f"{{{ITUNES}}}episodeType", "full")
    if settings.image is not None:
        _sub(item, f"{{{ITUNES}}}image", href=settings.image)
    transcript = f"{{{PODCAST}}}transcript"
    _sub(item, transcript, url=file_url(base, m.files.vtt), type="text/vtt", language=m.language)
    _sub(item, transcript, url=file_url(base, m.files.srt), type="application/x-subrip", language=m.language)
    chapters_url = file_url(base, m.files.chapters)
    _sub(item, f"{{{PODCAST}}}chapters", url=chapters_url, type="application/json+chapters")


def write_feed(folder: Path, settings: FeedSettings, out: Path | None = None) -> Path:
    """Write the feed of ``folder`` to ``out`` (default ``folder/feed.xml``) atomically; return its path.

    Every problem (bad URL, no narrations, an unusable manifest) is found before anything is written.
    """
    check_url(settings.base_url, "--base-url")
    if settings.image is not None:
        check_url(settings.image, "--image")
    target = out if out is not None else folder / FEED_NAME
    data = build_feed(find_episodes(folder), settings, target.name)
    write_atomic(target, data)
    return target

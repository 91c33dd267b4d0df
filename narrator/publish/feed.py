"""``narrator feed``: an RSS 2.0 podcast feed of every narration (every manifest) in a folder.

The feed carries the iTunes namespace (duration, explicit, image, author, category) and the
Podcasting 2.0 namespace (chapters, transcripts, the channel GUID). Items are newest first and
their GUIDs come from the manifests, which derive them from the text's checksum and the voice, so
re-generating the feed never changes them. The XML is built with ElementTree, so Persian text and
any ``<`` or ``&`` in it are escaped by the serializer, never by hand; characters XML 1.0 forbids
are dropped from every text and attribute, and the document is parsed back before it is written.

A narration that cannot be published (an unreadable manifest, a missing file, a file name that is
not a plain name inside the folder, a duplicate) is skipped with a warning; the others still make
the feed.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

from narrator import __version__
from narrator.atomic import write_atomic
from narrator.errors import InputError, OutputError
from narrator.files import AUDIO_SUFFIXES, CHAPTERS_SUFFIX
from narrator.publish.episode import DEFAULT_AUTHOR
from narrator.publish.jalali import persian_date
from narrator.publish.manifest import FORMAT, Manifest, load_manifest
from narrator.record import record
from narrator.strings import clean_text, quote_name, xml_safe

Warn = Callable[[str], object]

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
#: The namespace Podcasting 2.0 defines for ``podcast:guid`` (UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
FEED_NAME = "feed.xml"
DEFAULT_CATEGORY = "News"

FEED_MARKER = b"<generator>narrator"  # what marks a feed narrator wrote (and may replace)


@record
class FeedSettings:
    """What the channel says about itself; ``base_url`` is where the folder's files are served."""

    base_url: str
    title: str | None = None  # default: the album of the newest narration
    author: str = DEFAULT_AUTHOR
    image: str | None = None  # URL of the channel artwork
    description: str | None = None
    category: str = DEFAULT_CATEGORY
    language: str = "fa"


@record
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
    return base_url.rstrip("/") + "/" + quote_name(name)


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


def is_plain_name(folder: Path, name: str) -> bool:
    """True when ``name`` is a visible file name directly inside ``folder`` (no path, no way out).

    >>> is_plain_name(Path("."), "../../etc/passwd"), is_plain_name(Path("."), "a.mp3")
    (False, True)
    """
    if not name or name != xml_safe(name) or name.startswith(".") or "/" in name or "\\" in name:
        return False
    if Path(name).is_absolute() or Path(name).name != name:
        return False
    root = folder.resolve()
    return (root / name).resolve().parent == root


def _episode(folder: Path, path: Path) -> Episode:
    """The narration whose manifest is ``path``; InputError saying why it cannot be published."""
    manifest = load_manifest(path)
    files = manifest.files
    for name in (files.mp3, files.vtt, files.srt, files.chapters):
        if not is_plain_name(folder, name):
            raise InputError(f"{path}: names a file outside {folder}: {name!r}")
    for name in (files.vtt, files.srt, files.chapters):
        if not (folder / name).is_file():
            raise InputError(f"{path}: its file {name} is missing from {folder}")
    audio = folder / files.mp3
    if not audio.is_file():
        raise InputError(f"{path}: its audio {files.mp3} is missing from {folder}")
    return Episode(manifest, path, audio.stat().st_size)


def find_episodes(folder: Path, warn: Warn | None = None) -> list[Episode]:
    """Every publishable narration in ``folder``, newest first.

    A narration that cannot be published is skipped, said through ``warn``; InputError if none is
    left (and, without ``warn``, at the first unusable one, naming it).
    """
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    episodes: list[Episode] = []
    seen: dict[str, Path] = {}
    skipped = 0
    for path in sorted(p for p in folder.glob("*.json") if _is_manifest_candidate(p)):
        try:
            episode = _episode(folder, path)
            other = seen.setdefault(episode.manifest.guid, path)
            if other != path:
                raise InputError(f"{other} and {path} narrate the same text with the same voice")
        except InputError as exc:
            if warn is None:
                raise
            warn(f"{exc}; left out of the feed")
            skipped += 1
            continue
        episodes.append(episode)
    if not episodes:
        why = f" that can be published ({skipped} skipped)" if skipped else ""
        beside = "a <name>.mp3, .m4b or .m4a"
        raise InputError(f"{folder}: has no narrations{why} (no manifest <name>.json beside {beside})")
    episodes.sort(key=lambda e: (e.manifest.created_at, e.path.name), reverse=True)
    return episodes


def _sub(parent: ET.Element, tag: str, content: str | None = None, /, **attrs: str) -> ET.Element:
    """A child element ``tag`` of ``parent`` with text ``content`` and attributes ``attrs``."""
    element = ET.SubElement(parent, tag, {name: xml_safe(value) for name, value in attrs.items()})
    if content is not None:
        element.text = xml_safe(content)
    return element


def build_feed(episodes: list[Episode], settings: FeedSettings, feed_name: str = FEED_NAME) -> bytes:
    """The RSS 2.0 document for ``episodes`` (newest first), as UTF-8 bytes, checked well-formed."""
    settings = clean_settings(settings)
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
    try:
        ET.fromstring(body)
    except ET.ParseError as exc:  # a character slipped past xml_safe: never write such a feed
        raise OutputError(f"the feed would not be well-formed XML ({exc})") from exc
    return body + b"\n"


def clean_settings(settings: FeedSettings) -> FeedSettings:
    """``settings`` with every user-supplied string normalized and made XML-safe."""
    def optional(value: str | None) -> str | None:
        return None if value is None else clean_text(value) or None

    return FeedSettings(
        base_url=clean_text(settings.base_url),
        title=optional(settings.title),
        author=clean_text(settings.author) or DEFAULT_AUTHOR,
        image=optional(settings.image),
        description=optional(settings.description),
        category=clean_text(settings.category) or DEFAULT_CATEGORY,
        language=clean_text(settings.language) or "fa",
    )


def _item(channel: ET.Element, episode: Episode, base: str, settings: FeedSettings) -> None:
    m = episode.manifest
    title = clean_text(m.title)
    item = _sub(channel, "item")
    _sub(item, "title", title)
    summary = m.paragraphs[0].text if m.paragraphs else m.title
    _sub(item, "description", f"{persian_date(m.created_at)} — {summary}")  # pubDate stays Gregorian
    _sub(item, "guid", m.guid, isPermaLink="false")
    _sub(item, "pubDate", format_datetime(m.created_at, usegmt=True))
    audio_url = file_url(base, m.files.mp3)
    _sub(item, "enclosure", url=audio_url, length=str(episode.audio_bytes), type=enclosure_type(m.files.mp3))
    _sub(item, f"{{{ITUNES}}}title", title)
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


def write_feed(
    folder: Path, settings: FeedSettings, out: Path | None = None, warn: Warn | None = None
) -> Path:
    """Write the feed of ``folder`` to ``out`` (default ``folder/feed.xml``) atomically; return its path.

    Every problem (bad URL, no narrations) is found before anything is written; narrations that
    cannot be published are skipped and said through ``warn`` (without it, the first one fails).
    """
    check_url(settings.base_url, "--base-url")
    if settings.image is not None:
        check_url(settings.image, "--image")
    target = out if out is not None else folder / FEED_NAME
    data = build_feed(find_episodes(folder, warn), settings, target.name)
    write_atomic(target, data)
    return target

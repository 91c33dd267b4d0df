"""Inputs: a text or HTML file, a FIFO, standard input or an http(s) URL, read once, under a size
cap enforced while reading, into a :class:`Source`: the article's text, what the page says about it,
and the SHA-256 of what is narrated.

The checksum is of the bytes read for a plain-text input, and of the extracted article text (UTF-8)
for a web page, so a page whose ads or comments change keeps its checksum while its article does.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Literal
from urllib.parse import unquote, urlsplit

from narrator import regex
from narrator.errors import InputError
from narrator.fetch import FetchLimits, Page, check_scheme, fetch, is_url
from narrator.record import record
from narrator.text.html import decode_html, extract_article, has_tags, looks_like_html
from narrator.text.load import decode_article

STDIN = "-"
STDIN_STEM = "stdin"  # `narrate -` writes stdin.mp3 unless -o names the file
DEFAULT_MAX_INPUT_MB = 5
MIB = 1024 * 1024
HTML_SUFFIXES = (".html", ".htm")
ARTICLE_SUFFIXES = (".txt", *HTML_SUFFIXES)
HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 1 << 20
_UNSAFE = regex.compile(r"[^\w.\-\u200c]+")
_STEM_MAX = 80

Kind = Literal["file", "url", "stdin"]
Fetcher = Callable[[str, FetchLimits], Page]


@record
class Source:
    """One article as read: its text (a plain-text article; a page's headline first), where it came
    from, what the page said about it, and the SHA-256 of what is narrated."""

    text: str
    kind: Kind
    origin: str  # the path as given, the URL as given, or "-"
    sha256: str
    html: bool = False
    url: str | None = None  # the address the page finally came from (after redirects)
    title: str | None = None  # the page's headline
    date: str | None = None  # publication date as the page gives it
    author: str | None = None
    site: str | None = None

    @property
    def label(self) -> str:
        """How the source is named in tags and the manifest: the URL as given, the file name, or
        standard input."""
        if self.kind == "url":
            return self.origin
        if self.kind == "stdin":
            return "standard input"
        return Path(self.origin).name

    def __str__(self) -> str:
        return "standard input" if self.kind == "stdin" else self.origin


def max_bytes(megabytes: float | None) -> int:
    """The input cap in bytes for ``megabytes`` (None: the default)."""
    return int((DEFAULT_MAX_INPUT_MB if megabytes is None else megabytes) * MIB)


def too_large(name: str, limit: int) -> InputError:
    """The one-line refusal of an input over ``limit`` bytes, naming the flag that lifts it."""
    return InputError(
        f"{name}: larger than the {limit / MIB:g} MiB input limit; is it one article? "
        f"(to narrate it anyway, raise the limit with --max-input-mb)"
    )


def read_bounded(stream: BinaryIO, limit: int, name: str) -> bytes:
    """Everything ``stream`` gives, refused as soon as it exceeds ``limit`` bytes (never read past)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise too_large(name, limit)
        chunks.append(chunk)


def read_path(path: Path, limit: int) -> bytes:
    """The bytes of the file (or FIFO) at ``path``, read once. Folders, devices, sockets, missing
    files and symbolic-link loops are refused in one line before anything is read."""
    name = str(path)
    _check_kind(_stat(path), name, limit)
    try:
        with open(path, "rb") as stream:
            _check_kind(os.fstat(stream.fileno()), name, limit)  # what was opened, not what was named
            return read_bounded(stream, limit, name)
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from exc


def _stat(path: Path) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{path}: a loop of symbolic links, not an article file") from None
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:  # a NUL in the name
        raise InputError(f"{path!r}: not a usable file name ({exc})") from None


def _check_kind(info: os.stat_result, name: str, limit: int, terminal_ok: bool = False) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{name}: is a directory, not an article file")
    if (stat.S_ISCHR(mode) and not terminal_ok) or stat.S_ISBLK(mode):
        raise InputError(f"{name}: is a device, not an article file")
    if stat.S_ISSOCK(mode):
        raise InputError(f"{name}: is a socket, not an article file")
    if stat.S_ISREG(mode) and info.st_size > limit:
        raise too_large(name, limit)


def read_stdin(stream: BinaryIO, limit: int) -> bytes:
    """Standard input, read once under the cap; a device other than a terminal is refused at once."""
    name = "standard input"
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # not a real file (a test's stream)
        return read_bounded(stream, limit, name)
    _check_kind(os.fstat(fd), name, limit, terminal_ok=os.isatty(fd))
    try:
        return read_bounded(stream, limit, name)
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from exc


def from_bytes(
    data: bytes, kind: Kind, origin: str, name: str,
    url: str | None = None, media_type: str = "", charset: str | None = None,
) -> Source:
    """A Source from the bytes of an input: a web page's article is extracted, text is decoded."""
    suffix = Path(urlsplit(origin).path if url else origin).suffix.lower()
    is_html = (
        media_type in HTML_TYPES
        or looks_like_html(data)
        or (suffix in HTML_SUFFIXES and has_tags(data))  # a fragment; plain text named .html is text
    )
    if not is_html:
        text = decode_article(data, name)
        return Source(text=text, kind=kind, origin=origin, sha256=_sha256(data), url=url)
    page = extract_article(decode_html(data, charset, name), name, url)
    text = decode_article(page.text.encode("utf-8"), name)  # the same checks as a text article
    return Source(
        text=text, kind=kind, origin=origin, sha256=_sha256(text.encode("utf-8")), html=True, url=url,
        title=page.title, date=page.date, author=page.author, site=page.site,
    )


def read_source(
    spec: str | Path, limit: int, stdin: BinaryIO | None = None, fetcher: Fetcher = fetch
) -> Source:
    """Read the input ``spec`` names: ``-`` (``stdin``), an http(s) URL, or a file path."""
    text = str(spec)
    if text == STDIN:
        if stdin is None:
            raise InputError("'-' (standard input) has nothing to read here")
        return from_bytes(read_stdin(stdin, limit), "stdin", STDIN, "standard input")
    check_scheme(text)
    if isinstance(spec, str) and is_url(spec):
        page = fetcher(spec, FetchLimits(max_bytes=limit))
        return from_bytes(page.body, "url", spec, spec, page.url, page.media_type, page.charset)
    return from_bytes(read_path(Path(spec), limit), "file", text, text)


@record
class Reader:
    """Reads inputs as the options say: under ``limit`` bytes, ``-`` from ``stdin``."""

    limit: int
    stdin: BinaryIO | None = None
    fetcher: Fetcher = fetch

    def __call__(self, spec: str | Path) -> Source:
        return read_source(spec, self.limit, self.stdin, self.fetcher)

    def check(self, path: Path) -> None:
        """Refuse now, before any work, a regular file that reading would refuse for its size (a
        missing file is left to the job that reads it, which reports it with the other failures)."""
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            return
        if stat.S_ISREG(info.st_mode) and info.st_size > self.limit:
            raise too_large(str(path), self.limit)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- naming the output of an input ---------------------------------------------------------------


def read_up_front(spec: str | Path) -> bool:
    """Whether ``spec`` is read before any work is planned: standard input, a URL, or anything that
    is neither a regular file nor a folder (a FIFO, ``/dev/fd/N``; devices and symbolic-link loops,
    which reading refuses at once). Regular files are read by the job that narrates them."""
    if isinstance(spec, str) and (spec == STDIN or is_url(spec)):
        return True
    try:
        mode = os.stat(spec).st_mode
    except OSError as exc:
        return exc.errno == errno.ELOOP  # a missing file fails in its own job, like other bad files
    except ValueError:
        return True
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def url_stem(url: str) -> str:
    """A file stem for the narration of ``url``: its last path segment without an extension,
    else its host; characters unsafe in file names become ``-``.

    >>> url_stem("https://example.com/news/1403/tehran%20rain.html?id=3")
    'tehran-rain'
    >>> url_stem("http://127.0.0.1:8080/")
    '127.0.0.1'
    """
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s.strip()]
    last = segments[-1] if segments else ""
    stem = Path(last).stem if Path(last).suffix.lower() in (*HTML_SUFFIXES, ".php", ".aspx", ".asp") else last
    clean = _UNSAFE.sub("-", stem).strip("-.")[:_STEM_MAX].strip("-.")
    return clean or _UNSAFE.sub("-", parts.hostname or "page").strip("-.") or "page"


def source_stem(source: Path | Source) -> str:
    """The stem of the files narrated from ``source``: the file's stem, ``stdin``, or the URL's."""
    if isinstance(source, Path):
        return source.stem
    if source.kind == "stdin":
        return STDIN_STEM
    if source.kind == "url":
        return url_stem(source.origin)
    return Path(source.origin).stem


def source_label(source: Path | Source) -> str:
    """The name a narration of ``source`` records as its source (the manifest's ``source.name``)."""
    return source.name if isinstance(source, Path) else source.label


def source_path(source: Path | Source) -> Path | None:
    """The file ``source`` was read from, if any (an output must never replace it)."""
    if isinstance(source, Path):
        return source
    return Path(source.origin) if source.kind == "file" else None


def source_key(source: Path | Source) -> object:
    """What makes two inputs the same input (a file given twice is narrated once)."""
    if isinstance(source, Path):
        return source.resolve()
    return (source.kind, source.origin if source.kind != "file" else Path(source.origin).resolve())

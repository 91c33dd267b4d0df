"""``narrator serve``: a small local web server for a folder of narrations, on 127.0.0.1 only.

Unlike :mod:`http.server`'s file handler it answers byte ranges (players need them to seek), serves
only regular files inside its folder (no ``..``, no encoded slashes, no symlinks leading out, no
hidden files, no directory listings) and names the types narrator writes correctly.
"""

from __future__ import annotations

import email.utils
import os
import re
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TextIO

from narrator.errors import InputError, OutputError
from narrator.record import record

HOST = "127.0.0.1"
CHUNK = 64 * 1024
MIME_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".m4b": "audio/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
DEFAULT_TYPE = "application/octet-stream"
RANGE = re.compile(r"bytes=(\d*)-(\d*)")
#: Digits a range position may have: more than any file (and than ``int()`` accepts) is refused.
MAX_DIGITS = 18
#: Longest Range header looked at; a longer one is refused with 416.
MAX_RANGE_HEADER = 200
#: Seconds a connection may stay silent (or stall a write) before the server closes it.
IDLE_TIMEOUT = 30.0
#: Connections the kernel queues while the server is busy accepting (the stdlib default is 5).
BACKLOG = 256


@record
class ByteRange:
    """An inclusive byte range ``first``..``last`` of a file of ``size`` bytes."""

    first: int
    last: int
    size: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.first}-{self.last}/{self.size}"


class Unsatisfiable(Exception):
    """A well-formed range that lies outside the file: the answer is 416."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range ``header`` asks of a ``size``-byte file, or None to send it whole.

    Forms: ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n``. Headers that are malformed or ask for
    several ranges are ignored (the whole file is sent, as RFC 9110 allows); a well-formed range
    that lies outside the file raises :class:`Unsatisfiable`, and so does a header longer than
    :data:`MAX_RANGE_HEADER` or a position of more than :data:`MAX_DIGITS` digits (no file is that
    big, and ``int()`` refuses numbers of thousands of digits).

    >>> parse_range("bytes=0-99", 1000)
    ByteRange(first=0, last=99, size=1000)
    >>> parse_range("bytes=-100", 1000)
    ByteRange(first=900, last=999, size=1000)
    """
    if header is None:
        return None
    if len(header) > MAX_RANGE_HEADER:
        raise Unsatisfiable
    match = RANGE.fullmatch(header.strip())
    if match is None:
        return None
    start, end = match.groups()
    if len(start) > MAX_DIGITS or len(end) > MAX_DIGITS:
        raise Unsatisfiable
    if not start and not end:
        return None
    if not start:
        suffix = int(end)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - suffix, 0), size - 1, size)
    first = int(start)
    if end and int(end) < first:
        return None
    if first >= size:
        raise Unsatisfiable
    last = min(int(end), size - 1) if end else size - 1
    return ByteRange(first, last, size)


def content_type(path: Path) -> str:
    """The Content-Type narrator serves ``path`` with."""
    return MIME_TYPES.get(path.suffix.lower(), DEFAULT_TYPE)


def resolve_request(root: Path, raw_path: str) -> Path | None:
    """The regular file inside ``root`` that the request path ``raw_path`` names, or None.

    ``root`` must already be resolved. Refuses encoded slashes and backslashes, ``.`` and ``..``
    segments, hidden names, NUL bytes, and anything whose real path (after symlinks) lies outside
    ``root``. A folder stands for its ``index.html``.
    """
    path = urllib.parse.urlsplit(raw_path).path
    if not path.startswith("/") or re.search(r"%(2f|5c|00)", path, re.IGNORECASE):
        return None
    segments = os.fsdecode(urllib.parse.unquote_to_bytes(path)).split("/")[1:]  # names need not be UTF-8
    for segment in segments:
        if segment in {".", ".."} or segment.startswith(".") or "\\" in segment or "\0" in segment:
            return None
    candidate = root.joinpath(*[s for s in segments if s])
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root):
        return None
    if real.is_dir():
        real = (real / "index.html").resolve()
        if not real.is_relative_to(root):
            return None
    return real if real.is_file() else None


class NarrationHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD for files inside the server's folder."""

    server: NarrationServer
    server_version = "narrator"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)  # bounds every read and write

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _refuse(self, status: HTTPStatus, headers: dict[str, str] | None = None) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _host_allowed(self) -> bool:
        host = self.headers.get("Host")
        if host is None:
            return True
        port = self.server.server_address[1]
        return host.lower() in {f"{HOST}:{port}", f"localhost:{port}", HOST, "localhost"}

    def _answer(self, send_body: bool) -> None:
        if not self._host_allowed():
            self._refuse(HTTPStatus.MISDIRECTED_REQUEST)
            return
        try:
            path = resolve_request(self.server.root, self.path)
        except UnicodeDecodeError:
            path = None
        if path is None:
            self._refuse(HTTPStatus.NOT_FOUND)
            return
        try:
            handle = path.open("rb")
        except OSError:
            self._refuse(HTTPStatus.FORBIDDEN)
            return
        with handle:
            self._send_file(path, handle, send_body)

    def _send_file(self, path: Path, handle: BinaryIO, send_body: bool) -> None:
        stat = os.fstat(handle.fileno())
        size = stat.st_size
        try:
            wanted = parse_range(self.headers.get("Range"), size)
        except Unsatisfiable:
            self._refuse(
                HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                {"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
            )
            return
        if wanted is None:
            self.send_response(HTTPStatus.OK)
            first, length = 0, size
        else:
            self.send_response(HTTPStatus.PARTIAL_CONTENT)
            self.send_header("Content-Range", wanted.content_range)
            first, length = wanted.first, wanted.length
        self.send_header("Content-Type", content_type(path))
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            handle.seek(first)
            _copy(handle, self.wfile, length)

    def log_message(self, format: str, *args: object) -> None:
        log = self.server.log
        if log is not None:
            log.write(f"{self.address_string()} - {format % args}\n")


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


def _copy(source: BinaryIO, target: _Writable, length: int) -> None:
    remaining = length
    while remaining > 0:
        chunk = source.read(min(CHUNK, remaining))
        if not chunk:
            break
        target.write(chunk)
        remaining -= len(chunk)


class NarrationServer(ThreadingHTTPServer):
    """A threading HTTP server bound to 127.0.0.1 that serves the files under ``root``."""

    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = BACKLOG

    def __init__(
        self, root: Path, port: int = 0, log: TextIO | None = None, idle_timeout: float = IDLE_TIMEOUT
    ) -> None:
        self.root = root
        self.log = log
        self.idle_timeout = idle_timeout
        super().__init__((HOST, port), NarrationHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One log line for a request that failed (a client that hung up or went silent), no traceback."""
        exc = sys.exception()
        if self.log is not None:
            gone = isinstance(exc, (ConnectionError, TimeoutError))
            what = "client went away" if gone else "request failed"
            self.log.write(f"{client_address[0]} - {what}: {type(exc).__name__}: {exc}\n")

    @property
    def url(self) -> str:
        """The address the folder is served at, ending in ``/``."""
        return f"http://{HOST}:{self.server_address[1]}/"


def make_server(
    folder: Path, port: int = 0, log: TextIO | None = None, idle_timeout: float = IDLE_TIMEOUT
) -> NarrationServer:
    """A bound (not yet running) server for ``folder``; ``port`` 0 picks a free port."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder to serve")
    if not 0 <= port <= 65535:
        raise InputError(f"port {port} is not between 0 and 65535")
    try:
        return NarrationServer(folder.resolve(strict=True), port, log, idle_timeout)
    except OSError as exc:
        raise OutputError(f"cannot listen on {HOST}:{port} ({exc.strerror or exc})") from exc


@contextmanager
def running(server: NarrationServer) -> Iterator[NarrationServer]:
    """Serve ``server`` on a background thread for the duration of the ``with`` block."""
    thread = threading.Thread(target=server.serve_forever, name="narrator-serve", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve(folder: Path, port: int = 0, out: TextIO | None = None, log: TextIO | None = None) -> None:
    """Serve ``folder`` until interrupted, after printing its address to ``out``."""
    stream = out or sys.stdout
    server = make_server(folder, port, log)
    with server:
        stream.write(f"Serving {folder} at {server.url} (press Ctrl+C to stop)\n")
        stream.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            stream.write("Stopped.\n")


__all__ = [
    "ByteRange",
    "NarrationServer",
    "Unsatisfiable",
    "content_type",
    "make_server",
    "parse_range",
    "resolve_request",
    "running",
    "serve",
]

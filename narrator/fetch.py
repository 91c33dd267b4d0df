"""Fetching one web page over http(s) with httpx: a timeout, a size cap enforced while the body
streams in, a bounded number of redirects, and one clear line for every way it can fail."""

from __future__ import annotations

import re
import time
from dataclasses import field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from narrator import __version__
from narrator.errors import InputError
from narrator.record import record

if TYPE_CHECKING:  # httpx is imported when a page is fetched: it costs a tenth of a second
    import httpx

TIMEOUT_S = 20.0  # connect, each read, and the whole download
MAX_REDIRECTS = 5
USER_AGENT = f"narrator/{__version__} (+https://example.invalid/narrator)"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class FetchError(InputError):
    """A web page could not be fetched; the message is one line that names the URL."""


@record
class Page:
    """A fetched page: where it finally came from, its media type, declared charset and bytes."""

    url: str
    media_type: str  # lowercase, without parameters; "" when the server gave none
    charset: str | None
    body: bytes = field(repr=False)


@record
class FetchLimits:
    """How long and how much a fetch may take."""

    max_bytes: int
    timeout_s: float | None = None  # None: TIMEOUT_S
    max_redirects: int = MAX_REDIRECTS

    @property
    def timeout(self) -> float:
        """Seconds allowed for connecting, for each read, and for the whole download."""
        return TIMEOUT_S if self.timeout_s is None else self.timeout_s


def is_url(text: str) -> bool:
    """Whether ``text`` is an http(s) address (``'https://example.com/a'``) rather than a path."""
    return text.lower().startswith(("http://", "https://"))


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def check_scheme(text: str) -> None:
    """InputError for an address narrator cannot fetch (``ftp://…``, ``file://…``), which would
    otherwise be taken for a file name.

    >>> check_scheme("https://example.com/a"), check_scheme("news.txt")
    (None, None)
    """
    if _SCHEME.match(text) and not is_url(text):
        raise InputError(f"{text}: only http:// and https:// addresses can be fetched")


def fetch(url: str, limits: FetchLimits, transport: httpx.BaseTransport | None = None) -> Page:
    """GET ``url`` following redirects; FetchError (one line) on any failure. Proxy settings and
    certificates are taken from the environment (``HTTPS_PROXY``, ``SSL_CERT_FILE``…) as usual.

    Only web pages and plain text are accepted; a body larger than ``limits.max_bytes`` is refused
    as soon as the size is known (from Content-Length, or while it streams in).
    """
    import httpx

    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: not an http(s) address")
    timeout = httpx.Timeout(limits.timeout)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"}
    try:
        with httpx.Client(
            follow_redirects=True, max_redirects=limits.max_redirects, timeout=timeout,
            headers=headers, transport=transport, trust_env=not _loopback(parts.hostname),
        ) as client, client.stream("GET", url) as response:
            return _read(url, response, limits)
    except httpx.TooManyRedirects:
        raise FetchError(f"{url}: more than {limits.max_redirects} redirects (a redirect loop?)") from None
    except httpx.TimeoutException:
        raise FetchError(f"{url}: no answer within {limits.timeout:g} s (timed out)") from None
    except httpx.ConnectError as exc:
        raise FetchError(f"{url}: {_connect_reason(exc, parts.hostname)}") from None
    except httpx.InvalidURL as exc:
        raise FetchError(f"{url}: not a valid address ({exc})") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: the download failed ({_one_line(exc)})") from None


def _loopback(host: str) -> bool:
    """Whether ``host`` is this machine: never reached through a proxy from the environment."""
    import ipaddress  # here: only a fetch needs it (as socket, below)

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def _read(url: str, response: httpx.Response, limits: FetchLimits) -> Page:
    started = time.monotonic()
    if response.status_code >= 400:
        reason = response.reason_phrase or "error"
        raise FetchError(f"{url}: the server answered {response.status_code} {reason}")
    if response.status_code >= 300:
        raise FetchError(f"{url}: the server answered {response.status_code} without a usable redirect")
    media_type, charset = _content_type(response.headers.get("content-type", ""))
    if media_type and media_type not in PAGE_TYPES:
        raise FetchError(f"{url}: is not a web page or text (it is {media_type})")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(f"{url}: the page is {_mib(int(declared))}, over the {_limit(limits)}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(f"{url}: the page is larger than the {_limit(limits)}")
        if time.monotonic() - started > limits.timeout:
            raise FetchError(f"{url}: the download took longer than {limits.timeout:g} s (timed out)")
        chunks.append(chunk)
    return Page(url=str(response.url), media_type=media_type, charset=charset, body=b"".join(chunks))


def _content_type(value: str) -> tuple[str, str | None]:
    """``'text/html; charset=UTF-8'`` → ``('text/html', 'utf-8')``."""
    kind, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'").lower()
    return kind.strip().lower(), charset


def _connect_reason(exc: httpx.ConnectError, host: str) -> str:
    import socket

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return f"cannot find the host {host!r} (DNS lookup failed)"
        if isinstance(cause, ConnectionRefusedError):
            return f"the connection to {host} was refused (no server there?)"
        cause = cause.__cause__ or cause.__context__
    text = str(exc).lower()
    if "name or service not known" in text or "nodename nor servname" in text or "name resolution" in text:
        return f"cannot find the host {host!r} (DNS lookup failed)"
    if "refused" in text:
        return f"the connection to {host} was refused (no server there?)"
    return f"cannot connect to {host} ({_one_line(exc)})"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or exc.__class__.__name__


def _mib(size: int) -> str:
    return f"{size / 1024**2:.1f} MiB"


def _limit(limits: FetchLimits) -> str:
    return f"{_mib(limits.max_bytes)} input limit (raise it with --max-input-mb)"

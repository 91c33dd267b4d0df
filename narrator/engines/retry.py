"""The retry policy every network engine shares, and the plain HTTP exchange it wraps.

A try that times out, cannot connect, or gets 408, 425, 429 or any 5xx is tried again after an
exponential backoff with jitter (or exactly the ``Retry-After`` the server asked for), up to a
bounded number of tries; then a :class:`NetworkError` says what failed. Any other 4xx is final at
once (:class:`EngineError`). Sleeping, randomness and the clock are injected, so tests are exact.

The HTTP exchange is a plain callable (:data:`Transport`), so tests hand an engine a stand-in
server's address or a transport of their own instead of patching anything.
"""

from __future__ import annotations

import datetime
import email.utils
import http.client
import random as _random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from narrator.engines.base import EngineOptions
from narrator.errors import EngineError, NetworkError

T = TypeVar("T")

#: Statuses that say "try again later" rather than "this request is wrong".
RETRYABLE_STATUSES = frozenset({408, 425, 429, *range(500, 600)})

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_READ_BLOCK = 64 * 1024


class Retryable(Exception):
    """One try failed in a way another try may fix.

    ``answered`` tells whether the service answered at all (a bad status) or not (a timeout, a
    refused connection); ``retry_after`` is the wait in seconds the service asked for, if any.
    """

    def __init__(self, reason: str, *, answered: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.answered = answered
        self.retry_after = retry_after


def _plural(count: int) -> str:
    return "try" if count == 1 else "tries"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded tries with exponential backoff and jitter, honouring ``Retry-After``.

    After the n-th failed try (n from 1) the wait is ``min(max_delay, base_delay * 2**(n-1))``,
    of which the upper half is random ("equal jitter"): ``d/2 + rand() * d/2``. A server's
    ``Retry-After`` replaces that wait exactly; one longer than ``max_retry_after`` ends the tries.
    """

    tries: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    rand: Callable[[], float] = field(default=_random.random, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)

    @classmethod
    def from_options(
        cls,
        options: EngineOptions,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = _random.random,
    ) -> RetryPolicy:
        """The policy a user asked for: ``options.retries`` retries after the first try."""
        return cls(tries=max(1, options.retries + 1), sleep=sleep, rand=rand)

    def backoff(self, failed_tries: int) -> float:
        """Seconds to wait after ``failed_tries`` tries have failed (with jitter)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** max(0, failed_tries - 1))
        return ceiling / 2 + self.rand() * ceiling / 2

    def run(self, attempt: Callable[[], T], *, label: str, target: str) -> T:
        """Call ``attempt`` until it returns, retrying while it raises :class:`Retryable`.

        ``label`` (the engine's name) and ``target`` (what was asked, e.g. a server address)
        name the failure in the :class:`NetworkError` raised after the last try.
        """
        tries = max(1, self.tries)
        for number in range(1, tries + 1):
            try:
                return attempt()
            except Retryable as failure:
                if number == tries:
                    raise NetworkError(_final_message(label, target, number, failure)) from failure
                wait = self.backoff(number) if failure.retry_after is None else failure.retry_after
                if wait > self.max_retry_after:
                    raise NetworkError(
                        f"{label}: {target} asked to wait {wait:.0f} s before another try "
                        f"({failure.reason}); giving up"
                    ) from failure
                self.sleep(max(0.0, wait))
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _final_message(label: str, target: str, tries: int, failure: Retryable) -> str:
    if failure.answered:
        return f"{label}: {target} kept failing after {tries} {_plural(tries)} ({failure.reason})"
    return f"{label}: no answer from {target} after {tries} {_plural(tries)} ({failure.reason})"


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds a ``Retry-After`` header asks for: delta seconds or an HTTP date; None if absent.

    >>> parse_retry_after("7", now=0.0)
    7.0
    >>> parse_retry_after("Thu, 01 Jan 1970 00:00:30 GMT", now=10.0)
    20.0
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT ("-0000" parses without a zone)
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - now)


# --- the HTTP exchange ---------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request, with the seconds it may take in all (``timeout``)."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None
    timeout: float


@dataclass(frozen=True)
class HttpResponse:
    """A complete HTTP answer; ``headers`` keys are lower-case."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


class TransportFailure(Exception):
    """The request got no complete answer: a timeout, a refused or broken connection."""


#: Sends one request and returns the whole answer, whatever its status; raises TransportFailure.
Transport = Callable[[HttpRequest], HttpResponse]


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: how messages name a server."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def _failure_reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException):
        return _failure_reason(error.reason)
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__


class UrllibTransport:
    """The default :data:`Transport`: the standard library's HTTP client, thread-safe.

    ``timeout`` bounds the whole exchange, not only each socket operation. Proxies from the
    environment are used, except for loopback addresses.
    """

    def __init__(self) -> None:
        self._proxied = urllib.request.build_opener()
        self._direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host = urllib.parse.urlsplit(request.url).hostname or ""
        opener = self._direct if host in _LOOPBACK_HOSTS else self._proxied
        outgoing = urllib.request.Request(
            request.url, data=request.body, headers=dict(request.headers), method=request.method
        )
        deadline = time.monotonic() + request.timeout
        try:
            try:
                answer = opener.open(outgoing, timeout=request.timeout)
            except urllib.error.HTTPError as error:  # a status >= 400 still is an answer
                answer = error
            with answer:
                body = _read_until(answer, deadline)
                status = int(answer.status or 0)
                reason = str(answer.reason or "")
                headers = {k.lower(): v for k, v in answer.headers.items()}
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            raise TransportFailure(_failure_reason(error)) from error
        return HttpResponse(status=status, reason=reason, headers=headers, body=body)


def _read_until(answer: http.client.HTTPResponse | urllib.error.HTTPError, deadline: float) -> bytes:
    blocks: list[bytes] = []
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        block = answer.read(_READ_BLOCK)
        if not block:
            return b"".join(blocks)
        blocks.append(block)


def fetch(
    request: HttpRequest, *, transport: Transport, policy: RetryPolicy, label: str
) -> HttpResponse:
    """Send ``request`` through ``transport`` under ``policy``; return the first 2xx answer.

    Raises NetworkError after the last retryable failure, EngineError at once for any other status.
    """
    target = origin(request.url)

    def attempt() -> HttpResponse:
        try:
            response = transport(request)
        except TransportFailure as failure:
            raise Retryable(str(failure), answered=False) from failure
        if 200 <= response.status < 300:
            return response
        described = f"HTTP {response.status} {response.reason}".strip()
        if response.status in RETRYABLE_STATUSES:
            wait = parse_retry_after(response.headers.get("retry-after"), now=policy.clock())
            raise Retryable(described, answered=True, retry_after=wait)
        raise EngineError(f"{label}: {target} refused the request ({described})")

    return policy.run(attempt, label=label, target=target)

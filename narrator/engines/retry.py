"""The retry policy every network engine shares.

A try that times out, cannot connect, or gets 408, 425, 429 or any 5xx is tried again after an
exponential backoff with jitter (or exactly the ``Retry-After`` the server asked for), up to a
bounded number of tries; then a :class:`NetworkError` says what failed. Any other 4xx is final at
once (:class:`EngineError`). Sleeping, randomness and the clock are injected, so tests are exact.

Engines wrap one try of their library's call in :meth:`RetryPolicy.run` and raise
:class:`Retryable` for the failures another try may fix.
"""

from __future__ import annotations

import datetime
import random as _random
import time
from collections.abc import Callable
from dataclasses import field
from typing import TypeVar

from narrator.engines.base import EngineOptions
from narrator.errors import NetworkError
from narrator.record import record

T = TypeVar("T")

#: Statuses that say "try again later" rather than "this request is wrong".
RETRYABLE_STATUSES = frozenset({408, 425, 429, *range(500, 600)})


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


@record
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
    import email.utils  # only for a date: an engine module is imported on every run, a date is rare

    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT ("-0000" parses without a zone)
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - now)

"""Microsoft's neural voices (Edge "Read Aloud") through edge-tts's public API.

One try is one ``edge_tts.Communicate(...).stream()``: MP3 chunks, and ``WordBoundary`` events
(offset and duration in 100-ns ticks) that become :class:`WordTime` values. edge-tts owns the
protocol (access token, headers, SSML, frames, clock-skew correction); narrator uses only the names
in ``edge_tts.__all__`` and changes none of edge-tts's state. Timeouts, refused or dropped
connections and 429/5xx answers are tried again under the shared :class:`RetryPolicy`; everything
else is one clear :class:`EngineError`. ``connector`` makes the aiohttp connector edge-tts connects
through (tests hand it one that reaches a stand-in server).

Options: ``voice`` (``fa-IR-DilaraNeural`` by default, or ``fa-IR-FaridNeural``), ``rate`` (percent
change of speed, -50…+100), ``pitch`` (Hz change, -50…+50); ``volume`` (percent change, -100…+100)
is a constructor argument.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from narrator.engines.base import EngineOptions, primary_language
from narrator.engines.retry import RETRYABLE_STATUSES, Retryable, RetryPolicy, parse_retry_after
from narrator.errors import EngineError, InputError
from narrator.ffmpeg import decode_audio
from narrator.model import Clip, WordTime
from narrator.record import record

if TYPE_CHECKING:
    import aiohttp
    from edge_tts import Communicate

PERSIAN_VOICES = ("fa-IR-DilaraNeural", "fa-IR-FaridNeural")
#: The voice for a language other than Persian when none is named: Microsoft's multilingual voice.
MULTILINGUAL_VOICE = "en-US-EmmaMultilingualNeural"
SERVICE = "Microsoft's speech service"
SAMPLE_RATE = 24000
TICKS_PER_MS = 10_000
RATE_RANGE, PITCH_RANGE, VOLUME_RANGE = (-50, 100), (-50, 50), (-100, 100)
#: A word may end this much after the decoded audio (MP3 padding) before the audio counts as cut.
CUT_TOLERANCE_MS = 60
PROBE_TIMEOUT = 2.0

Boundary = Literal["word", "sentence"]
ConnectorFactory = Callable[[], "aiohttp.BaseConnector"]
#: One item of ``Communicate.stream()``: ``type`` "audio" with ``data``, or a boundary with
#: ``offset``, ``duration`` (100-ns ticks) and ``text``.
Chunk = Mapping[str, object]


@record
class BoundaryEvent:
    """One ``WordBoundary`` or ``SentenceBoundary`` the service reported (times in ms)."""

    kind: str
    text: str
    start_ms: int
    end_ms: int


def boundary_event(chunk: Chunk) -> BoundaryEvent:
    """A boundary chunk of ``Communicate.stream()`` in milliseconds."""
    offset, duration = chunk.get("offset", 0), chunk.get("duration", 0)
    if not isinstance(offset, int | float) or not isinstance(duration, int | float):
        raise EngineError(f"edge: a boundary event has no times ({dict(chunk)})")
    start = int(offset)
    return BoundaryEvent(
        kind=str(chunk.get("type")), text=str(chunk.get("text", "")),
        start_ms=start // TICKS_PER_MS, end_ms=(start + int(duration)) // TICKS_PER_MS,
    )


def _signed(value: int | None, unit: str, bounds: tuple[int, int], what: str) -> str:
    if value is None:
        value = 0
    low, high = bounds
    if not low <= value <= high:
        raise InputError(f"edge {what} must be between {low} and +{high} {unit}, not {value}")
    return f"{value:+d}{unit}"


def prosody(rate: int | None, pitch: int | None, volume: int | None) -> tuple[str, str, str]:
    """SSML prosody values (rate, pitch, volume) for percent/Hz/percent changes.

    >>> prosody(None, -5, 20)
    ('+0%', '-5Hz', '+20%')
    """
    return (
        _signed(rate, "%", RATE_RANGE, "rate"),
        _signed(pitch, "Hz", PITCH_RANGE, "pitch"),
        _signed(volume, "%", VOLUME_RANGE, "volume"),
    )


def _spoken(events: tuple[BoundaryEvent, ...]) -> list[BoundaryEvent]:
    """Word boundaries, or sentence boundaries when there are none; punctuation-only ones left out."""
    chosen = [e for e in events if e.kind == "WordBoundary"] or [
        e for e in events if e.kind == "SentenceBoundary"
    ]
    return [e for e in chosen if any(ch.isalnum() for ch in e.text)]


def word_times(events: tuple[BoundaryEvent, ...], duration_ms: int) -> tuple[WordTime, ...]:
    """Word timings from boundary events, clamped inside the audio."""
    times: list[WordTime] = []
    for event in _spoken(events):
        start = min(max(0, event.start_ms), duration_ms)
        end = min(max(start, event.end_ms), duration_ms)
        times.append(WordTime(text=event.text, start_ms=start, end_ms=end))
    return tuple(times)


def cut_short(events: tuple[BoundaryEvent, ...], duration_ms: int) -> bool:
    """True when a word the service announced ends after the audio received: the connection
    closed mid-stream (edge-tts ends such a stream without an error)."""
    return any(e.end_ms > duration_ms + CUT_TOLERANCE_MS for e in _spoken(events))


def _header(headers: object, name: str) -> str | None:
    if isinstance(headers, Mapping):
        value = headers.get(name)
        return None if value is None else str(value)
    return None


@dataclass
class EdgeEngine:
    """Microsoft's neural voices (``fa-IR-DilaraNeural``, ``fa-IR-FaridNeural``) through edge-tts;
    online, with word timings."""

    options: EngineOptions
    volume: int | None = None
    boundary: Boundary = "word"
    policy: RetryPolicy | None = field(default=None, repr=False)
    connector: ConnectorFactory | None = field(default=None, repr=False)
    name: str = "edge"
    max_chars: int = 1000

    def __post_init__(self) -> None:
        if self.policy is None:
            self.policy = RetryPolicy.from_options(self.options)

    @property
    def voice(self) -> str:
        """The voice's short name, e.g. ``fa-IR-DilaraNeural``."""
        if self.options.voice:
            return self.options.voice
        return PERSIAN_VOICES[0] if primary_language(self.options.lang) == "fa" else MULTILINGUAL_VOICE

    @property
    def online(self) -> bool:
        return True

    @property
    def languages(self) -> frozenset[str]:
        """The language of the voice (Microsoft's voice names begin with it)."""
        return frozenset({primary_language(self.voice)})

    @property
    def reads_through_espeak(self) -> bool:
        return False

    @property
    def voice_label(self) -> str:
        return self.voice

    def _communicate(self, text: str, connector: aiohttp.BaseConnector | None = None) -> Communicate:
        """edge-tts's client for ``text``; InputError for settings it does not accept."""
        from edge_tts import Communicate

        rate, pitch, volume = prosody(self.options.rate, self.options.pitch, self.volume)
        seconds = max(1, math.ceil(self.options.timeout))
        try:
            return Communicate(
                text, self.voice, rate=rate, volume=volume, pitch=pitch,
                boundary="WordBoundary" if self.boundary == "word" else "SentenceBoundary",
                connector=connector, connect_timeout=seconds, receive_timeout=seconds,
            )
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"edge voice {self.voice!r} is not a Microsoft neural voice name such as "
                f"{PERSIAN_VOICES[0]} or {PERSIAN_VOICES[1]}"
            ) from exc

    def available(self) -> str | None:
        """None when edge-tts is installed and accepts the settings; no network (see :meth:`probe`)."""
        try:
            self._communicate("-")
        except ImportError as exc:
            return f"edge needs the edge-tts package: {exc}"
        except InputError as exc:
            return str(exc)
        return None

    def probe(self) -> str | None:
        """Fetch the service's voice list (within two seconds): None if it answers and has the voice."""
        import asyncio

        from edge_tts import list_voices

        async def voices() -> list[str]:
            connector = self.connector() if self.connector is not None else None
            return [v["ShortName"] for v in await list_voices(connector=connector)]

        try:
            names = asyncio.run(asyncio.wait_for(voices(), PROBE_TIMEOUT))
        except Exception as exc:  # aiohttp, ssl and JSON errors alike mean "not usable now"
            failure = self._failure(exc, PROBE_TIMEOUT, 0) or exc
            detail = failure.reason if isinstance(failure, Retryable) else str(failure)
            return f"edge: {SERVICE} is not reachable ({detail})"
        if self.voice not in names:
            return f"edge: {SERVICE} has no voice {self.voice}"
        return None

    def settings_key(self) -> str:
        rate, pitch, volume = prosody(self.options.rate, self.options.pitch, self.volume)
        return f"edge|{self.voice}|rate={rate}|pitch={pitch}|volume={volume}|{self.boundary}|mp3-24k-48k"

    def synthesize(self, text: str) -> Clip:
        self._communicate("-")  # bad settings fail at once, before any try
        if not any(ch.isalnum() for ch in text):
            raise EngineError("edge: there is no text to speak")
        policy = self.policy or RetryPolicy.from_options(self.options)
        return policy.run(lambda: self._attempt(text), label=self.name, target=SERVICE)

    # --- one try ---------------------------------------------------------------------------

    def _attempt(self, text: str) -> Clip:
        import asyncio  # with edge-tts: not on a run whose engine is another (its import is 20 ms)

        audio, events = asyncio.run(self._receive(text))
        decoded = decode_audio(audio, sample_rate=SAMPLE_RATE)
        if cut_short(events, decoded.duration_ms):
            raise Retryable(f"connection dropped after {len(audio)} bytes of audio", answered=True)
        words = word_times(events, decoded.duration_ms)
        return Clip(pcm=decoded.pcm, sample_rate=decoded.sample_rate, words=words)

    async def _receive(self, text: str) -> tuple[bytes, tuple[BoundaryEvent, ...]]:
        """The MP3 and boundary events of one stream; each chunk must come within the timeout."""
        import asyncio

        timeout = self.options.timeout
        connector = self.connector() if self.connector is not None else None
        stream: AsyncGenerator[Chunk, None] = self._communicate(text, connector).stream()
        audio: list[bytes] = []
        events: list[BoundaryEvent] = []
        try:
            while (chunk := await asyncio.wait_for(_next(stream), timeout)) is not None:
                data = chunk.get("data")
                if isinstance(data, bytes):
                    audio.append(data)
                elif chunk.get("type") in ("WordBoundary", "SentenceBoundary"):
                    events.append(boundary_event(chunk))
        except Exception as exc:
            failure = self._failure(exc, timeout, sum(map(len, audio)))
            if failure is None:
                raise
            raise failure from exc
        finally:
            await stream.aclose()
        return b"".join(audio), tuple(events)

    def _failure(self, error: Exception, timeout: float, received: int) -> Exception | None:
        """The Retryable or EngineError that says what ``error`` from edge-tts or aiohttp means
        (None: not a failure of the service)."""
        import aiohttp
        from edge_tts import exceptions

        if isinstance(error, exceptions.NoAudioReceived):
            return EngineError(
                f"edge: no audio received for voice {self.voice}; check the voice name and that the "
                "text has something to say"
            )
        if isinstance(error, aiohttp.ClientResponseError):
            return self._refused(error.status, _header(error.headers, "Retry-After"))
        if isinstance(error, TimeoutError):
            return Retryable(f"no answer within {timeout:g} s", answered=False)
        if isinstance(error, aiohttp.ClientConnectorError):
            return Retryable(_reason(error.os_error), answered=False)
        if isinstance(error, aiohttp.ClientError | exceptions.WebSocketError):
            return Retryable(f"connection dropped after {received} bytes of audio ({error})", answered=True)
        if isinstance(error, exceptions.EdgeTTSException):
            return EngineError(
                f"edge: {SERVICE} answered in a way edge-tts does not understand ({error}); "
                "a newer edge-tts may fix this"
            )
        return None

    def _refused(self, status: int, retry_after: str | None) -> Exception:
        policy = self.policy or RetryPolicy.from_options(self.options)
        wait = parse_retry_after(retry_after, now=policy.clock())
        if status == 429:
            return Retryable("HTTP 429: rate limited by the service", answered=True, retry_after=wait)
        if status in RETRYABLE_STATUSES:
            return Retryable(f"HTTP {status}", answered=True, retry_after=wait)
        if status == 403:
            return EngineError(
                f"edge: {SERVICE} refused the access token (HTTP 403) after edge-tts corrected its "
                "clock; a newer edge-tts may be needed"
            )
        return EngineError(f"edge: {SERVICE} refused the connection (HTTP {status})")


async def _next(stream: AsyncIterator[Chunk]) -> Chunk | None:
    """The next chunk of ``stream``, or None at its end."""
    try:
        return await anext(stream)
    except StopAsyncIteration:
        return None


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__

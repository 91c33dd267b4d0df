"""Microsoft's neural voices (Edge "Read Aloud") over a WebSocket, speaking edge-tts's protocol.

edge-tts's ``Communicate`` has its service URL as a module constant, so narrator runs the small
exchange itself (with ``websockets``' synchronous client) and borrows edge-tts for everything that
must match the service exactly: the access token (``Sec-MS-GEC``), headers, voice-name
normalization, SSML and the SSML message. One synthesis is one connection:

1. connect to ``{base}/edge/v1?TrustedClientToken=…&ConnectionId=…&Sec-MS-GEC=…&Sec-MS-GEC-Version=…``;
2. send the ``Path:speech.config`` text message (MP3 output, word or sentence boundaries on),
   then the ``Path:ssml`` message with the text inside ``<voice><prosody>``;
3. receive ``turn.start``, ``audio.metadata`` (JSON ``WordBoundary``/``SentenceBoundary`` with
   ``Offset``/``Duration`` in 100-ns ticks), binary frames (2-byte big-endian header length, headers
   with ``Path:audio``, then MP3 bytes) and finally ``turn.end``.

The MP3 is decoded to PCM and the boundaries become :class:`WordTime` values. Timeouts, refused
connections, dropped connections and 429/5xx answers are retried under the shared
:class:`RetryPolicy`; ``options.base_url`` points the engine at another server (tests use
``ws://127.0.0.1:PORT/...``).

Options: ``voice`` (``fa-IR-DilaraNeural`` by default, or ``fa-IR-FaridNeural``), ``rate`` (percent
change of speed, -50…+100), ``pitch`` (Hz change, -50…+50); ``volume`` (percent change, -100…+100)
is a constructor argument.
"""

from __future__ import annotations

import json
import ssl
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from xml.sax.saxutils import escape, unescape

from narrator.engines.base import EngineOptions
from narrator.engines.retry import RETRYABLE_STATUSES, Retryable, RetryPolicy, parse_retry_after
from narrator.errors import EngineError, InputError
from narrator.ffmpeg import decode_audio
from narrator.model import Clip, WordTime

if TYPE_CHECKING:
    from edge_tts.data_classes import TTSConfig
    from websockets.datastructures import Headers
    from websockets.sync.client import ClientConnection

DEFAULT_BASE_URL = "wss://speech.platform.bing.com/consumer/speech/synthesize/readaloud"
PERSIAN_VOICES = ("fa-IR-DilaraNeural", "fa-IR-FaridNeural")
OUTPUT_FORMAT = "audio-24khz-48kbitrate-mono-mp3"
SAMPLE_RATE = 24000
TICKS_PER_MS = 10_000
#: edge-tts sends at most 4096 bytes of escaped text per request.
MAX_TEXT_BYTES = 4096
RATE_RANGE, PITCH_RANGE, VOLUME_RANGE = (-50, 100), (-50, 50), (-100, 100)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

Boundary = Literal["word", "sentence"]


@dataclass(frozen=True)
class BoundaryEvent:
    """One ``WordBoundary`` or ``SentenceBoundary`` the service reported (times in ms)."""

    kind: str
    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Turn:
    """Everything one request received: the MP3 bytes and the boundary events."""

    audio: bytes
    events: tuple[BoundaryEvent, ...]


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


def speech_config_message(timestamp: str, boundary: Boundary) -> str:
    """The ``speech.config`` text message that opens every request."""
    words = "true" if boundary == "word" else "false"
    sentences = "false" if boundary == "word" else "true"
    return (
        f"X-Timestamp:{timestamp}\r\n"
        "Content-Type:application/json; charset=utf-8\r\n"
        "Path:speech.config\r\n\r\n"
        '{"context":{"synthesis":{"audio":{"metadataoptions":{'
        f'"sentenceBoundaryEnabled":"{sentences}","wordBoundaryEnabled":"{words}"'
        "},"
        f'"outputFormat":"{OUTPUT_FORMAT}"'
        "}}}}\r\n"
    )


def parse_text_frame(frame: str) -> tuple[dict[str, str], str]:
    """Headers and body of a text message (``Name:value`` lines, a blank line, the body)."""
    head, _, body = frame.partition("\r\n\r\n")
    return _headers(head.encode("utf-8")), body


def parse_binary_frame(frame: bytes) -> tuple[dict[str, str], bytes]:
    """Headers and payload of a binary message: 2-byte big-endian header length, headers, payload."""
    if len(frame) < 2:
        raise EngineError("edge: a binary message from the service is too short to have headers")
    length = int.from_bytes(frame[:2], "big")
    if length + 2 > len(frame):
        raise EngineError("edge: a binary message's header length exceeds the message")
    return _headers(frame[2 : 2 + length]), frame[2 + length :]


def _headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return headers


def parse_metadata(body: str) -> list[BoundaryEvent]:
    """The word and sentence boundaries in an ``audio.metadata`` body (ticks become ms)."""
    try:
        items = json.loads(body)["Metadata"]
        events = []
        for item in items:
            if item["Type"] not in ("WordBoundary", "SentenceBoundary"):
                continue
            data = item["Data"]
            offset, duration = int(data["Offset"]), int(data["Duration"])
            events.append(BoundaryEvent(
                kind=item["Type"],
                text=unescape(str(data["text"]["Text"])),
                start_ms=offset // TICKS_PER_MS,
                end_ms=(offset + duration) // TICKS_PER_MS,
            ))
    except (ValueError, KeyError, TypeError) as exc:
        raise EngineError(f"edge: the service sent boundary metadata that cannot be read ({exc})") from exc
    return events


def word_times(events: tuple[BoundaryEvent, ...], duration_ms: int) -> tuple[WordTime, ...]:
    """Word timings from boundary events, clamped inside the audio; sentence boundaries stand in
    when the service sent no word boundaries. Punctuation-only boundaries are left out."""
    words = [e for e in events if e.kind == "WordBoundary"] or [
        e for e in events if e.kind == "SentenceBoundary"
    ]
    times: list[WordTime] = []
    for event in words:
        if not any(ch.isalnum() for ch in event.text):
            continue
        start = min(max(0, event.start_ms), duration_ms)
        end = min(max(start, event.end_ms), duration_ms)
        times.append(WordTime(text=event.text, start_ms=start, end_ms=end))
    return tuple(times)


def _clean(text: str) -> str:
    from edge_tts.communicate import remove_incompatible_characters

    return escape(remove_incompatible_characters(text)).strip()


@dataclass
class EdgeEngine:
    """Microsoft's neural voices (``fa-IR-DilaraNeural``, ``fa-IR-FaridNeural``) through the Edge
    Read Aloud service; online, with word timings."""

    options: EngineOptions
    volume: int | None = None
    boundary: Boundary = "word"
    policy: RetryPolicy | None = field(default=None, repr=False)
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
        if self.options.lang.lower().startswith("fa"):
            return PERSIAN_VOICES[0]
        from edge_tts.constants import DEFAULT_VOICE

        return DEFAULT_VOICE

    @property
    def base_url(self) -> str:
        return (self.options.base_url or DEFAULT_BASE_URL).rstrip("/")

    def _config(self) -> TTSConfig:
        from edge_tts.data_classes import TTSConfig

        rate, pitch, volume = prosody(self.options.rate, self.options.pitch, self.volume)
        try:
            if self.boundary == "word":
                return TTSConfig(self.voice, rate, volume, pitch, "WordBoundary")
            return TTSConfig(self.voice, rate, volume, pitch, "SentenceBoundary")
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"edge voice {self.voice!r} is not a Microsoft neural voice name such as "
                f"{PERSIAN_VOICES[0]} or {PERSIAN_VOICES[1]}"
            ) from exc

    def available(self) -> str | None:
        """None when the settings are valid; it does not touch the network (see :meth:`reachable`)."""
        try:
            import edge_tts  # noqa: F401
            import websockets  # noqa: F401
        except ImportError as exc:
            return f"edge needs the edge-tts and websockets packages: {exc}"
        try:
            self._config()
        except InputError as exc:
            return str(exc)
        return None

    def reachable(self, timeout: float = 2.0) -> str | None:
        """Open (and close) one connection to the service: None if it answers within ``timeout``."""
        try:
            with self._connect(timeout):
                return None
        except Retryable as failure:
            return f"edge: {self._where()} is not reachable ({failure.reason})"
        except EngineError as exc:
            return str(exc)

    def settings_key(self) -> str:
        rate, pitch, volume = prosody(self.options.rate, self.options.pitch, self.volume)
        return f"edge|{self.voice}|rate={rate}|pitch={pitch}|volume={volume}|{OUTPUT_FORMAT}"

    def synthesize(self, text: str) -> Clip:
        config = self._config()
        body = _clean(text)
        if not body:
            raise EngineError("edge: there is no text to speak")
        if len(body.encode("utf-8")) > MAX_TEXT_BYTES:
            raise EngineError(f"edge: text is longer than the service's {MAX_TEXT_BYTES} bytes per request")
        from edge_tts.communicate import date_to_string, mkssml, ssml_headers_plus_data

        messages = (
            speech_config_message(date_to_string(), self.boundary),
            ssml_headers_plus_data(uuid.uuid4().hex, date_to_string(), mkssml(config, body)),
        )
        policy = self.policy or RetryPolicy.from_options(self.options)
        turn = policy.run(lambda: self._exchange(messages), label=self.name, target=self._where())
        clip = decode_audio(turn.audio, sample_rate=SAMPLE_RATE)
        words = word_times(turn.events, clip.duration_ms)
        return Clip(pcm=clip.pcm, sample_rate=clip.sample_rate, words=words)

    # --- one try ---------------------------------------------------------------------------

    def _where(self) -> str:
        parts = urllib.parse.urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else self.base_url

    def url(self) -> str:
        """The WebSocket URL of one new connection, with a fresh connection id and token."""
        from edge_tts.constants import SEC_MS_GEC_VERSION, TRUSTED_CLIENT_TOKEN
        from edge_tts.drm import DRM

        query = urllib.parse.urlencode({
            "TrustedClientToken": TRUSTED_CLIENT_TOKEN,
            "ConnectionId": uuid.uuid4().hex,
            "Sec-MS-GEC": DRM.generate_sec_ms_gec(),
            "Sec-MS-GEC-Version": SEC_MS_GEC_VERSION,
        })
        return f"{self.base_url}/edge/v1?{query}"

    def _connect(self, timeout: float) -> ClientConnection:
        from edge_tts.constants import WSS_HEADERS
        from edge_tts.drm import DRM
        from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI
        from websockets.sync.client import connect

        url = self.url()
        parts = urllib.parse.urlsplit(url)
        headers = {k: v for k, v in WSS_HEADERS.items() if k not in ("User-Agent", "Sec-WebSocket-Version")}
        headers["Cookie"] = f"muid={DRM.generate_muid()};"
        context = None
        if parts.scheme == "wss":
            import certifi

            context = ssl.create_default_context(cafile=certifi.where())
        try:
            return connect(
                url,
                ssl=context,
                additional_headers=headers,
                user_agent_header=WSS_HEADERS["User-Agent"],
                proxy=None if parts.hostname in _LOOPBACK_HOSTS else True,
                open_timeout=timeout,
                close_timeout=1.0,
                max_size=None,
            )
        except InvalidStatus as exc:
            raise self._refused(exc.response.status_code, exc.response.headers) from exc
        except InvalidURI as exc:
            raise EngineError(f"edge: {self.base_url!r} is not a WebSocket address ({exc})") from exc
        except TimeoutError as exc:
            raise Retryable(f"no connection within {timeout:g} s", answered=False) from exc
        except (OSError, InvalidHandshake) as exc:
            raise Retryable(_reason(exc), answered=False) from exc

    def _refused(self, status: int, headers: Headers) -> Exception:
        from edge_tts.drm import DRM

        get = headers.get
        policy = self.policy or RetryPolicy.from_options(self.options)
        if status == 429:
            wait = parse_retry_after(get("Retry-After"), now=policy.clock())
            return Retryable("HTTP 429: rate limited by the service", answered=True, retry_after=wait)
        if status in RETRYABLE_STATUSES:
            wait = parse_retry_after(get("Retry-After"), now=policy.clock())
            return Retryable(f"HTTP {status}", answered=True, retry_after=wait)
        if status == 403:
            # The token depends on the clock: correct for the server's Date, as edge-tts does.
            server = DRM.parse_rfc2616_date(get("Date") or "")
            if server is not None:
                DRM.adj_clock_skew_seconds(server - DRM.get_unix_timestamp())
            return Retryable("HTTP 403: the access token was refused (clock skew?)", answered=True)
        return EngineError(f"edge: {self._where()} refused the connection (HTTP {status})")

    def _exchange(self, messages: tuple[str, str]) -> Turn:
        from websockets.exceptions import ConnectionClosed

        timeout = self.options.timeout
        with self._connect(timeout) as connection:
            audio: list[bytes] = []
            events: list[BoundaryEvent] = []
            try:
                for message in messages:
                    connection.send(message)
                for frame in _frames(connection, timeout):
                    if isinstance(frame, bytes):
                        audio.append(_audio_payload(frame))
                        continue
                    headers, body = parse_text_frame(frame)
                    path = headers.get("Path")
                    if path == "audio.metadata":
                        events.extend(parse_metadata(body))
                    elif path == "turn.end":
                        break
                    elif path not in ("turn.start", "response"):
                        raise EngineError(f"edge: the service sent an unknown message (Path:{path})")
            except ConnectionClosed as exc:
                received = sum(map(len, audio))
                raise Retryable(
                    f"connection dropped after {received} bytes of audio ({exc})", answered=True
                ) from exc
        if not any(audio):
            raise EngineError(
                f"edge: no audio received for voice {self.voice}; check the voice name and that the "
                "text has something to say"
            )
        return Turn(audio=b"".join(audio), events=tuple(events))


def _frames(connection: ClientConnection, timeout: float) -> Iterator[str | bytes]:
    """The messages of one turn, each within ``timeout`` seconds of the previous one."""
    while True:
        try:
            yield connection.recv(timeout=timeout)
        except TimeoutError as exc:
            raise Retryable(f"no answer within {timeout:g} s", answered=False) from exc


def _audio_payload(frame: bytes) -> bytes:
    headers, payload = parse_binary_frame(frame)
    if headers.get("Path") != "audio":
        raise EngineError(f"edge: a binary message with Path:{headers.get('Path')} is not audio")
    content_type = headers.get("Content-Type")
    if content_type is None and not payload:
        return b""  # the service ends a stream with an empty, untyped audio message
    if content_type != "audio/mpeg" or not payload:
        raise EngineError(
            f"edge: unexpected audio message (Content-Type {content_type}, {len(payload)} bytes)"
        )
    return payload


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__

"""A stand-in for Microsoft's Edge Read Aloud WebSocket service, on 127.0.0.1.

It speaks the protocol edge-tts speaks (see ``edge_tts/communicate.py``): it checks the connection
URL's query (``TrustedClientToken``, ``ConnectionId``, ``Sec-MS-GEC``, ``Sec-MS-GEC-Version``) and
headers, reads the ``speech.config`` and ``ssml`` text messages, and answers ``turn.start``, then
``audio.metadata`` boundary events interleaved with binary ``Path:audio`` frames carrying a real MP3
(2-byte header length, headers, MP3 bytes), an empty closing audio frame, and ``turn.end``.

The "speech" is a tone burst per word separated by silences, encoded with LAME at the service's
format (24 kHz, 48 kbit/s, mono); each word's boundary event covers exactly its burst, so tests can
check that reported timings land on the sound. Each connection follows the next :class:`Plan`
(the last one repeats): speak, drop the connection mid-stream, stay silent, send no audio, or refuse
the handshake with an HTTP status. Anything the client does that the real service would not accept
is recorded in ``problems``.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

import lameenc
import numpy as np
from edge_tts.constants import TRUSTED_CLIENT_TOKEN
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

SAMPLE_RATE = 24000
BASE_PATH = "/consumer/speech/synthesize/readaloud"
LEAD_MS, GAP_MS, TAIL_MS = 100, 150, 100
MS_PER_CHAR, MIN_WORD_MS = 60, 120
TICKS_PER_MS = 10_000
_BYTES_PER_MS = 48_000 // 8 // 1000  # 48 kbit/s CBR
_SSML_NS = "{http://www.w3.org/2001/10/synthesis}"

Behaviour = Literal["speak", "drop", "silent", "no_audio", "refuse"]


@dataclass(frozen=True)
class Plan:
    """What the stand-in does with one connection."""

    behaviour: Behaviour = "speak"
    status: int = 429
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Spoken:
    """One request the stand-in understood: what it was asked to say and how."""

    query: Mapping[str, str]
    config: Mapping[str, object]
    voice: str
    rate: str
    pitch: str
    volume: str
    text: str


@dataclass(frozen=True)
class Layout:
    """Where each word's tone burst lies in the stand-in's audio (ms)."""

    words: tuple[tuple[str, int, int], ...]
    duration_ms: int


def layout(text: str) -> Layout:
    """Lead silence, then per word a burst of ``max(MIN_WORD_MS, MS_PER_CHAR * len)`` and a gap."""
    at = LEAD_MS
    words = []
    for word in text.split():
        length = max(MIN_WORD_MS, MS_PER_CHAR * len(word))
        words.append((word, at, at + length))
        at += length + GAP_MS
    return Layout(words=tuple(words), duration_ms=at - GAP_MS + TAIL_MS if words else LEAD_MS + TAIL_MS)


def render_mp3(plan: Layout) -> bytes:
    """The layout as PCM (440 Hz bursts in silence), LAME-encoded at 24 kHz 48 kbit/s mono."""
    pcm = np.zeros(plan.duration_ms * SAMPLE_RATE // 1000, dtype=np.int16)
    for _, start, end in plan.words:
        a, b = start * SAMPLE_RATE // 1000, end * SAMPLE_RATE // 1000
        t = np.arange(b - a) / SAMPLE_RATE
        pcm[a:b] = (12000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(48)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(2)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


def text_message(request_id: str, path: str, body: str) -> str:
    return (f"X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\n"
            f"Path:{path}\r\n\r\n{body}")


def audio_message(request_id: str, payload: bytes) -> bytes:
    content_type = "Content-Type:audio/mpeg\r\n" if payload else ""
    head = f"X-RequestId:{request_id}\r\n{content_type}X-StreamId:{uuid.uuid4().hex}\r\nPath:audio\r\n"
    encoded = head.encode("ascii")
    return len(encoded).to_bytes(2, "big") + encoded + payload


def metadata_message(request_id: str, kind: str, text: str, start_ms: int, end_ms: int) -> str:
    data = {"Offset": start_ms * TICKS_PER_MS, "Duration": (end_ms - start_ms) * TICKS_PER_MS,
            "text": {"Text": text, "Length": len(text), "BoundaryType": kind}}
    body = json.dumps({"Metadata": [{"Type": kind, "Data": data}]})
    return text_message(request_id, "audio.metadata", body)


def _headers(block: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in block.split("\r\n")) if k}


class EdgeStandin:
    """The stand-in server; use as a context manager and point the engine at :attr:`url`."""

    def __init__(self, *plans: Plan, chunk_bytes: int = 1500) -> None:
        self.plans = plans or (Plan(),)
        self.chunk_bytes = chunk_bytes
        self.problems: list[str] = []
        self.spoken: list[Spoken] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._plans: dict[ServerConnection, Plan] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}{BASE_PATH}"

    def __enter__(self) -> EdgeStandin:
        self._server = serve(self._handle, "127.0.0.1", 0, process_request=self._handshake,
                             open_timeout=5, close_timeout=1)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- per connection ----------------------------------------------------------------------

    def _plan(self) -> Plan:
        with self._lock:
            index = min(self.connections, len(self.plans) - 1)
            self.connections += 1
        return self.plans[index]

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        plan = self._plan()
        with self._lock:
            self._plans[connection] = plan
        self._check_request(request)
        if plan.behaviour == "refuse":
            response = connection.respond(plan.status, f"refused with {plan.status}\n")
            for name, value in plan.headers.items():
                response.headers[name] = value
            return response
        return None

    def _check_request(self, request: Request) -> None:
        path, _, raw_query = request.path.partition("?")
        query = dict(urllib.parse.parse_qsl(raw_query))
        if path != f"{BASE_PATH}/edge/v1":
            self._problem(f"path {path}")
        if query.get("TrustedClientToken") != TRUSTED_CLIENT_TOKEN:
            self._problem(f"TrustedClientToken {query.get('TrustedClientToken')}")
        if not re.fullmatch(r"[0-9a-f]{32}", query.get("ConnectionId", "")):
            self._problem(f"ConnectionId {query.get('ConnectionId')}")
        if not re.fullmatch(r"[0-9A-F]{16}-[0-9A-F]{64}|[0-9A-F]{64}", query.get("Sec-MS-GEC", "")):
            self._problem(f"Sec-MS-GEC {query.get('Sec-MS-GEC')}")
        if not re.fullmatch(r"\d-[\d.]+", query.get("Sec-MS-GEC-Version", "")):
            self._problem(f"Sec-MS-GEC-Version {query.get('Sec-MS-GEC-Version')}")
        if request.headers.get("Origin") != "chrome-extension://jdiccldimpdaibmpdkjnbmckianbfold":
            self._problem(f"Origin {request.headers.get('Origin')}")
        if not re.fullmatch(r"muid=[0-9A-F]{32};", request.headers.get("Cookie", "")):
            self._problem(f"Cookie {request.headers.get('Cookie')}")

    def _read_request(self, connection: ServerConnection) -> Spoken | None:
        first, second = connection.recv(timeout=5), connection.recv(timeout=5)
        if not isinstance(first, str) or not isinstance(second, str):
            self._problem("a request message was binary")
            return None
        head1, _, body1 = first.partition("\r\n\r\n")
        head2, _, body2 = second.partition("\r\n\r\n")
        h1, h2 = _headers(head1), _headers(head2)
        if h1.get("Path") != "speech.config" or "X-Timestamp" not in h1:
            self._problem(f"first message headers {h1}")
        ssml_type = h2.get("Content-Type") == "application/ssml+xml"
        if h2.get("Path") != "ssml" or not ssml_type or "X-RequestId" not in h2:
            self._problem(f"second message headers {h2}")
        try:
            config = json.loads(body1)
            audio = config["context"]["synthesis"]["audio"]
            if audio["outputFormat"] != "audio-24khz-48kbitrate-mono-mp3":
                self._problem(f"output format {audio['outputFormat']}")
            speak = ET.fromstring(body2)
            voice = speak.find(f"{_SSML_NS}voice")
            prosody = voice.find(f"{_SSML_NS}prosody") if voice is not None else None
            if voice is None or prosody is None:
                raise ValueError("no voice/prosody element")
        except (ValueError, KeyError, TypeError, ET.ParseError) as exc:
            self._problem(f"unreadable request: {exc}")
            return None
        _, _, raw_query = (connection.request.path if connection.request else "").partition("?")
        spoken = Spoken(
            query=dict(urllib.parse.parse_qsl(raw_query)), config=config, voice=voice.get("name", ""),
            rate=prosody.get("rate", ""), pitch=prosody.get("pitch", ""), volume=prosody.get("volume", ""),
            text=prosody.text or "",
        )
        with self._lock:
            self.spoken.append(spoken)
        return spoken

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            plan = self._plans.pop(connection)
        try:
            spoken = self._read_request(connection)
            if spoken is None:
                connection.close(1007, "bad request")
                return
            if plan.behaviour == "silent":
                self._stop.wait()
                return
            request_id = uuid.uuid4().hex
            connection.send(text_message(request_id, "turn.start", '{"context":{"serviceTag":"standin"}}'))
            if plan.behaviour == "no_audio":
                connection.send(audio_message(request_id, b""))
                connection.send(text_message(request_id, "turn.end", "{}"))
                return
            self._speak(connection, request_id, spoken, drop=plan.behaviour == "drop")
        except ConnectionClosed:
            return

    def _speak(self, connection: ServerConnection, request_id: str, spoken: Spoken, drop: bool) -> None:
        plan = layout(spoken.text)
        mp3 = render_mp3(plan)
        options = spoken.config["context"]["synthesis"]["audio"]["metadataoptions"]  # type: ignore[index]
        events: list[tuple[int, str]] = []
        if options.get("wordBoundaryEnabled") == "true":
            events += [(start, metadata_message(request_id, "WordBoundary", w, start, end))
                       for w, start, end in plan.words]
        if options.get("sentenceBoundaryEnabled") == "true" and plan.words:
            end = plan.words[-1][2]
            sentence = metadata_message(request_id, "SentenceBoundary", spoken.text, LEAD_MS, end)
            events.append((LEAD_MS, sentence))
        events.sort(key=lambda e: e[0])
        chunks = [mp3[i : i + self.chunk_bytes] for i in range(0, len(mp3), self.chunk_bytes)]
        sent_bytes = 0
        for index, chunk in enumerate(chunks):
            if drop and index == len(chunks) // 2:
                connection.socket.shutdown(socket.SHUT_RDWR)  # no close frame: a dropped connection
                return
            while events and events[0][0] * _BYTES_PER_MS <= sent_bytes + len(chunk):
                connection.send(events.pop(0)[1])
            connection.send(audio_message(request_id, chunk))
            sent_bytes += len(chunk)
        for _, message in events:
            connection.send(message)
        connection.send(audio_message(request_id, b""))
        connection.send(text_message(request_id, "turn.end", "{}"))


class SilentTcpServer:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._socket.getsockname()[1]}{BASE_PATH}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._socket.accept()
            except OSError:
                return
            self._accepted.append(client)

    def __enter__(self) -> SilentTcpServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._socket.close()
        for client in self._accepted:
            client.close()
        self._thread.join(timeout=5)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for "unreachable" cases)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

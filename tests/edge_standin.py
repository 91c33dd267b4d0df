"""A stand-in for Microsoft's Edge Read Aloud service, played to edge-tts itself.

edge-tts (``edge_tts.Communicate`` and ``edge_tts.list_voices``) accepts an aiohttp connector; the
stand-in hands out an :class:`aiohttp.UnixConnector` to its own socket, so edge-tts's real client
code (URL with token, headers, ``speech.config`` and ``ssml`` messages, frame parsing) talks to this
server instead of ``speech.platform.bing.com``. Nothing of edge-tts is patched; no network is used.

The server plays the service's side: it checks the connection URL's query (``TrustedClientToken``,
``ConnectionId``, ``Sec-MS-GEC``, ``Sec-MS-GEC-Version``) and headers, reads the two request
messages, and answers ``turn.start``, ``audio.metadata`` boundary events interleaved with binary
``Path:audio`` frames carrying a real MP3 (2-byte header length, headers, MP3 bytes), an empty
closing audio frame, and ``turn.end``. It also serves the voice list.

The "speech" is a tone burst per word separated by silences, encoded with LAME at the service's
format (24 kHz, 48 kbit/s, mono); each word's boundary event covers exactly its burst, so tests can
check that reported timings land on the sound. Each connection follows the next :class:`Plan`
(the last one repeats): speak, drop the connection mid-stream, stay silent, send no audio, refuse
the handshake with an HTTP status, or never answer the handshake. Anything the client does that the
real service would not accept is recorded in ``problems``.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import tempfile
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

import aiohttp
import lameenc
import numpy as np
from aiohttp import web

SAMPLE_RATE = 24000
BASE_PATH = "/consumer/speech/synthesize/readaloud"
LEAD_MS, GAP_MS, TAIL_MS = 100, 150, 100
MS_PER_CHAR, MIN_WORD_MS = 60, 120
TICKS_PER_MS = 10_000
_BYTES_PER_MS = 48_000 // 8 // 1000  # 48 kbit/s CBR
_SSML_NS = "{http://www.w3.org/2001/10/synthesis}"
VOICES = ("fa-IR-DilaraNeural", "fa-IR-FaridNeural", "en-US-EmmaMultilingualNeural")

Behaviour = Literal["speak", "drop", "silent", "no_audio", "refuse", "mute"]


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


def voice_entry(short_name: str) -> dict[str, object]:
    """One entry of the service's voice list."""
    lang, region, name = short_name.split("-", 2)
    return {
        "Name": f"Microsoft Server Speech Text to Speech Voice ({lang}-{region}, {name})",
        "ShortName": short_name, "Gender": "Female", "Locale": f"{lang}-{region}",
        "SuggestedCodec": "audio-24khz-48kbitrate-mono-mp3", "FriendlyName": short_name,
        "Status": "GA", "VoiceTag": {"ContentCategories": ["News"], "VoicePersonalities": ["Friendly"]},
    }


def _headers(block: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in block.split("\r\n")) if k}


class EdgeStandin:
    """The stand-in server; use as a context manager and give the engine :meth:`connector`."""

    def __init__(self, *plans: Plan, chunk_bytes: int = 1500, voices: tuple[str, ...] = VOICES,
                 mute_voice_list: bool = False) -> None:
        self.plans = plans or (Plan(),)
        self.mute_voice_list = mute_voice_list
        self.chunk_bytes = chunk_bytes
        self.voices = voices
        self.problems: list[str] = []
        self.spoken: list[Spoken] = []
        self.connections = 0
        self.voice_lists = 0
        self._lock = threading.Lock()
        self._folder = tempfile.TemporaryDirectory(prefix="edge-standin-")
        self.path = str(Path(self._folder.name) / "service.sock")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stopping: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    def connector(self) -> aiohttp.BaseConnector:
        """A new connector whose every connection reaches this stand-in (edge-tts takes one per call)."""
        return aiohttp.UnixConnector(path=self.path)

    def kept_connector(self) -> aiohttp.BaseConnector:
        """A connector that outlives the session closing it: after a 403, edge-tts's ``stream()``
        tries once more through the connector its first session has closed."""
        return KeptUnixConnector(path=self.path)

    def __enter__(self) -> EdgeStandin:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self._folder.cleanup()

    async def _start(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_get(f"{BASE_PATH}/edge/v1", self._synthesis)
        app.router.add_get(f"{BASE_PATH}/voices/list", self._voice_list)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.UnixSite(self._runner, self.path).start()

    async def _stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- per request ---------------------------------------------------------------------------

    def _plan(self) -> Plan:
        with self._lock:
            index = min(self.connections, len(self.plans) - 1)
            self.connections += 1
        return self.plans[index]

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def _check_token(self, query: Mapping[str, str], token_name: str) -> None:
        if not re.fullmatch(r"[0-9A-F]{32}", query.get(token_name, "")):
            self._problem(f"{token_name} {query.get(token_name)}")
        if not re.fullmatch(r"([0-9A-F]{16}-)?[0-9A-F]{64}", query.get("Sec-MS-GEC", "")):
            self._problem(f"Sec-MS-GEC {query.get('Sec-MS-GEC')}")
        if not re.fullmatch(r"\d-[\d.]+", query.get("Sec-MS-GEC-Version", "")):
            self._problem(f"Sec-MS-GEC-Version {query.get('Sec-MS-GEC-Version')}")

    def _check_request(self, request: web.Request) -> None:
        query = dict(request.query)
        self._check_token(query, "TrustedClientToken")
        if not re.fullmatch(r"[0-9a-f]{32}", query.get("ConnectionId", "")):
            self._problem(f"ConnectionId {query.get('ConnectionId')}")
        if request.headers.get("Origin") != "chrome-extension://jdiccldimpdaibmpdkjnbmckianbfold":
            self._problem(f"Origin {request.headers.get('Origin')}")
        if not re.fullmatch(r"muid=[0-9A-F]{32};", request.headers.get("Cookie", "")):
            self._problem(f"Cookie {request.headers.get('Cookie')}")

    async def _voice_list(self, request: web.Request) -> web.Response:
        with self._lock:
            self.voice_lists += 1
        self._check_token(dict(request.query), "trustedclienttoken")
        if self.mute_voice_list:
            assert self._stopping is not None
            await self._stopping.wait()
        return web.json_response([voice_entry(v) for v in self.voices])

    def _read_request(self, first: str, second: str, query: Mapping[str, str]) -> Spoken | None:
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
        spoken = Spoken(
            query=query, config=config, voice=voice.get("name", ""), rate=prosody.get("rate", ""),
            pitch=prosody.get("pitch", ""), volume=prosody.get("volume", ""), text=prosody.text or "",
        )
        with self._lock:
            self.spoken.append(spoken)
        return spoken

    async def _synthesis(self, request: web.Request) -> web.StreamResponse:
        plan = self._plan()
        self._check_request(request)
        if plan.behaviour == "refuse":
            return web.Response(status=plan.status, text=f"refused with {plan.status}\n",
                                headers=dict(plan.headers))
        if plan.behaviour == "mute":  # the handshake's answer never comes
            assert self._stopping is not None
            await self._stopping.wait()
            return web.Response(status=503)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        try:
            first, second = await ws.receive_str(timeout=5), await ws.receive_str(timeout=5)
        except (TypeError, TimeoutError, asyncio.CancelledError):
            self._problem("the request messages did not come as text")
            return ws
        spoken = self._read_request(first, second, dict(request.query))
        if spoken is None:
            await ws.close(code=1007, message=b"bad request")
            return ws
        if plan.behaviour == "silent":
            assert self._stopping is not None
            await self._stopping.wait()
            return ws
        request_id = uuid.uuid4().hex
        await ws.send_str(text_message(request_id, "turn.start", '{"context":{"serviceTag":"standin"}}'))
        if plan.behaviour == "no_audio":
            await ws.send_bytes(audio_message(request_id, b""))
            await ws.send_str(text_message(request_id, "turn.end", "{}"))
        else:
            await self._speak(ws, request, request_id, spoken, drop=plan.behaviour == "drop")
        return ws

    async def _speak(self, ws: web.WebSocketResponse, request: web.Request, request_id: str,
                     spoken: Spoken, drop: bool) -> None:
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
        if drop:  # the connection breaks in the middle of the middle word, after its announcement
            _, start, end = plan.words[len(plan.words) // 2]
            mp3 = mp3[: (start + end) // 2 * _BYTES_PER_MS]
        chunks = [mp3[i : i + self.chunk_bytes] for i in range(0, len(mp3), self.chunk_bytes)]
        sent_bytes = 0
        for chunk in chunks:
            while events and events[0][0] * _BYTES_PER_MS <= sent_bytes + len(chunk):
                await ws.send_str(events.pop(0)[1])
            await ws.send_bytes(audio_message(request_id, chunk))
            sent_bytes += len(chunk)
        if drop:
            transport = request.transport
            if transport is not None:
                transport.abort()  # no close frame, no turn.end: a dropped connection
            return
        for _, message in events:
            await ws.send_str(message)
        await ws.send_bytes(audio_message(request_id, b""))
        await ws.send_str(text_message(request_id, "turn.end", "{}"))


class KeptUnixConnector(aiohttp.UnixConnector):
    """A Unix socket connector whose ``close()`` leaves it open (see ``EdgeStandin.kept_connector``)."""

    def close(self, *, abort_ssl: bool = False) -> Awaitable[None]:
        return asyncio.sleep(0)


def refusing_socket(folder: Path) -> str:
    """The path of a Unix socket that exists but accepts nothing: connecting to it is refused."""
    path = str(folder / "refusing.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.close()  # bound, never listening: connect() gets ECONNREFUSED
    return path

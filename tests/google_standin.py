"""A stand-in for Google Translate's speech endpoint, at the level of ``requests`` (``responses``).

gTTS sends its requests with ``requests``; inside :class:`GoogleStandin` every request to a
``translate.google.<tld>`` host is answered here instead of by the network (any other request
fails). The stand-in speaks gTTS's ``batchexecute`` protocol: it reads the text out of each
``f.req`` form field and answers with a real MP3 (a tone encoded by the bundled ffmpeg) whose length
follows the text, base64-encoded under the ``jQ1olc`` RPC id, framed the way Google frames it.
Each request follows the next :data:`Answer` of the script (the last one repeats).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType

import numpy as np
import requests
import responses
from requests import PreparedRequest

from narrator.ffmpeg import ffmpeg_exe

TONE_HZ = 440.0
MS_PER_CHAR = 30
RATE = 24000
RPC_PATH = "/_/TranslateWebserverUi/data/batchexecute"
_HOST = re.compile(r"https://translate\.google\.[a-z.]+/.*")

_mp3_cache: dict[int, bytes] = {}
_mp3_lock = threading.Lock()


def tone_mp3(duration_ms: int) -> bytes:
    """A real MP3 (24 kHz mono, like Google's) of a 440 Hz tone lasting ``duration_ms``."""
    with _mp3_lock:
        if duration_ms not in _mp3_cache:
            t = np.arange(round(RATE * duration_ms / 1000)) / RATE
            pcm = (0.5 * 32767 * np.sin(2 * np.pi * TONE_HZ * t)).astype("<i2").tobytes()
            proc = subprocess.run(
                [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(RATE),
                 "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "48k", "-f", "mp3", "pipe:1"],
                input=pcm, capture_output=True, check=True,
            )
            _mp3_cache[duration_ms] = proc.stdout
        return _mp3_cache[duration_ms]


def expected_ms(chunk: str) -> int:
    return MS_PER_CHAR * len(chunk)


def batchexecute_answer(mp3: bytes) -> bytes:
    """Google's answer framing: an XSSI guard, then length-prefixed JSON envelopes."""
    inner = json.dumps([base64.b64encode(mp3).decode("ascii")])
    envelope = json.dumps(
        [["wrb.fr", "jQ1olc", inner, None, None, None, "generic"], ["di", 57], ["af.httprm", 56, "-1", 9]],
        separators=(",", ":"),
    )
    trailer = f'[["e",4,null,null,{len(envelope) + 40}]]'
    return f")]}}'\n\n{len(envelope)}\n{envelope}\n{len(trailer)}\n{trailer}\n".encode()


@dataclass(frozen=True)
class Received:
    """One request gTTS sent: where, what text in which language, and the timeout it allowed."""

    method: str
    url: str
    headers: Mapping[str, str]
    text: str
    lang: str
    timeout: object


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers, body, after ``delay`` seconds."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] | None = None
    delay: float = 0.0


#: What the stand-in does with one request: answer it, or fail it as ``requests`` would.
Answer = Callable[[Received], Reply | requests.RequestException]


def speak(request: Received) -> Reply:
    """Answer like Google: a tone MP3 whose length follows the text."""
    return Reply(200, batchexecute_answer(tone_mp3(expected_ms(request.text))),
                 {"Content-Type": "application/json; charset=utf-8"})


def always(answer: Reply | requests.RequestException) -> Answer:
    return lambda _request: answer


def _read(request: PreparedRequest) -> tuple[str, str]:
    raw = request.body
    body = raw if isinstance(raw, str) else raw.decode("utf-8") if isinstance(raw, bytes) else ""
    form = urllib.parse.parse_qs(body)
    rpc = json.loads(form["f.req"][0])
    if rpc[0][0][0] != "jQ1olc":
        raise ValueError(f"not gTTS's speech call: {rpc[0][0][0]}")
    text, lang, _speed, _null = json.loads(rpc[0][0][1])
    return str(text), str(lang)


class GoogleStandin:
    """Answers gTTS's requests while active; records them in :attr:`requests`."""

    def __init__(self, *script: Answer, head: requests.RequestException | None = None) -> None:
        self.script = script or (speak,)
        self.head = head  # what a HEAD request (a probe) gets instead of 200, if anything
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self.heads: list[str] = []
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def __enter__(self) -> GoogleStandin:
        self._mock.start()
        self._mock.add_callback(responses.POST, _HOST, callback=self._answer)
        self._mock.add_callback(responses.HEAD, _HOST, callback=self._head)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._mock.stop()
        self._mock.reset()

    def _head(self, request: PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.heads.append(str(request.url))
        if self.head is not None:
            raise self.head
        return 200, {}, b""

    def _answer(self, request: PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        url = str(request.url)
        if urllib.parse.urlsplit(url).path != RPC_PATH:
            return 404, {}, b"not found"
        text, lang = _read(request)
        kwargs = getattr(request, "req_kwargs", {})
        headers = {k: str(v) for k, v in request.headers.items()}
        received = Received(method=str(request.method), url=url, headers=headers,
                            text=text, lang=lang, timeout=kwargs.get("timeout"))
        with self._lock:
            index = min(len(self._received), len(self.script) - 1)
            self._received.append(received)
        answer = self.script[index](received)
        if isinstance(answer, requests.RequestException):
            raise answer
        time.sleep(answer.delay)
        return answer.status, dict(answer.headers or {}), answer.body

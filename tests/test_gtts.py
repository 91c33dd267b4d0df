"""The gtts engine and the shared retry policy, against a stand-in of Google's endpoint on 127.0.0.1.

The stand-in speaks gTTS's ``batchexecute`` protocol: it reads the text out of each ``f.req`` form
field and answers with a real MP3 (a tone encoded by the bundled ffmpeg) whose length follows the
text, base64-encoded under the ``jQ1olc`` RPC id, framed the way Google frames it.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from narrator.engines.base import PERSIAN_ENGINES, EngineOptions
from narrator.engines.gtts import (
    BATCHEXECUTE_PATH,
    GOOGLE_MAX_CHARS,
    GttsEngine,
    parse_batchexecute,
    split_for_google,
)
from narrator.engines.registry import create_engine
from narrator.engines.retry import (
    HttpRequest,
    HttpResponse,
    Retryable,
    RetryPolicy,
    TransportFailure,
    UrllibTransport,
    fetch,
    parse_retry_after,
)
from narrator.errors import EngineError, EngineUnavailable, NetworkError
from narrator.ffmpeg import decode_audio, ffmpeg_exe
from narrator.model import Clip
from tests.standin import Received, Reply, Responder, StandinServer, always, in_turn

Serve = Callable[[Responder], StandinServer]

TONE_HZ = 440.0
MS_PER_CHAR = 30
RATE = 24000

# --- a stand-in for Google's endpoint ------------------------------------------------------------

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


def spoken_request(request: Received) -> tuple[str, str]:
    """The text and language of one gTTS request, read back out of its ``f.req`` form field."""
    form = urllib.parse.parse_qs(request.body.decode("utf-8"))
    rpc = json.loads(form["f.req"][0])
    assert rpc[0][0][0] == "jQ1olc"
    text, lang, _speed, _null = json.loads(rpc[0][0][1])
    return str(text), str(lang)


def google(request: Received) -> Reply:
    """Answer like Google: a tone MP3 whose length follows the text."""
    if request.method != "POST" or request.path != "/" + BATCHEXECUTE_PATH:
        return Reply(404, b"not found")
    text, _lang = spoken_request(request)
    return Reply(200, batchexecute_answer(tone_mp3(expected_ms(text))),
                 {"Content-Type": "application/json; charset=utf-8"})


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start stand-in servers for one test; all are closed when it ends."""
    servers: list[StandinServer] = []

    def start(responder: Responder) -> StandinServer:
        server = StandinServer(responder).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


class Sleeps:
    """An injected sleep that records each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def engine_for(
    server: StandinServer, sleeps: Sleeps | None = None, *,
    voice: str | None = None, timeout: float = 10.0, retries: int = 3,
) -> GttsEngine:
    """An English engine aimed at ``server``, its retry waits recorded by ``sleeps``."""
    opts = EngineOptions(lang="en", voice=voice, timeout=timeout, retries=retries, base_url=server.url)
    policy = RetryPolicy.from_options(opts, sleep=sleeps or Sleeps(), rand=lambda: 0.5)
    return GttsEngine(opts, policy=policy)


def dominant_hz(clip: Clip) -> float:
    samples = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / clip.sample_rate)[int(np.argmax(spectrum))])


def rms(clip: Clip) -> float:
    samples = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


# 10 sentences of equal length: two fit in a request, a third does not.
SENTENCES = [f"Sentence {number:02d} of the long test text is here." for number in range(1, 11)]
LONG_TEXT = " ".join(SENTENCES)

# --- the engine ----------------------------------------------------------------------------------


def test_a_short_english_sentence_is_one_request_and_real_audio(serve: Serve) -> None:
    server = serve(google)
    clip = engine_for(server).synthesize("Hello from the stand-in.")

    assert [spoken_request(r) for r in server.requests] == [("Hello from the stand-in.", "en")]
    assert clip.sample_rate == RATE
    assert abs(clip.duration_ms - expected_ms("Hello from the stand-in.")) < 80
    assert rms(clip) > 5000  # a half-scale sine has RMS ~11585; silence has 0
    assert abs(dominant_hz(clip) - TONE_HZ) < 5


def test_request_matches_what_gtts_itself_would_send(serve: Serve) -> None:
    from gtts import gTTS

    server = serve(google)
    engine = engine_for(server, voice="co.uk")
    request = engine.request_for("Good morning")
    reference = gTTS("Good morning", lang="en", tld="co.uk", lang_check=False)._prepare_requests()[0]

    assert request.body == reference.body.encode("utf-8")
    assert request.url == f"{server.url}/{BATCHEXECUTE_PATH}"
    assert urllib.parse.urlsplit(reference.url).path == "/" + BATCHEXECUTE_PATH
    assert request.headers["Content-Type"] == reference.headers["Content-Type"]
    assert request.timeout == engine.options.timeout
    assert GttsEngine(EngineOptions(lang="en", voice="co.uk")).request_for("x").url == str(reference.url)


def test_long_text_is_cut_into_gtts_sized_requests(serve: Serve) -> None:
    size = len(SENTENCES[0])
    assert all(len(s) == size for s in SENTENCES) and 2 * size + 1 <= GOOGLE_MAX_CHARS < 3 * size + 2
    server = serve(google)
    clip = engine_for(server).synthesize(LONG_TEXT)

    expected_chunks = [f"{SENTENCES[i]} {SENTENCES[i + 1]}" for i in range(0, 10, 2)]
    assert [spoken_request(r)[0] for r in server.requests] == expected_chunks
    assert all(len(chunk) <= GOOGLE_MAX_CHARS for chunk in expected_chunks)
    decoded_parts = [decode_audio(tone_mp3(expected_ms(c)), RATE) for c in expected_chunks]
    assert clip.frames == sum(part.frames for part in decoded_parts)
    nominal_ms = sum(expected_ms(c) for c in expected_chunks)
    # Each MP3 part carries its encoder delay and frame padding: under 100 ms.
    assert nominal_ms <= clip.duration_ms <= nominal_ms + 100 * len(expected_chunks)
    assert abs(dominant_hz(clip) - TONE_HZ) < 5


def test_split_keeps_every_word_in_order_within_the_limit() -> None:
    text = ("Ein Satz, der lang genug ist; und noch einer — mit Einschub (hier) und Fragen? Ja! "
            + "wort " * 40 + "x" * 130)
    pieces = split_for_google(text)

    assert all(0 < len(p) <= GOOGLE_MAX_CHARS for p in pieces)
    assert " ".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert pieces[0] == "Ein Satz, der lang genug ist; und noch einer — mit Einschub (hier) und Fragen? Ja!"
    assert split_for_google("  ... !! ") == []


def test_nothing_to_say_sends_nothing(serve: Serve) -> None:
    server = serve(google)
    clip = engine_for(server).synthesize(" ... ")
    assert clip.frames == 0 and server.requests == []


def test_persian_is_refused_before_any_request(serve: Serve) -> None:
    server = serve(google)
    engine = GttsEngine(EngineOptions(base_url=server.url))  # lang defaults to "fa"
    reason = engine.available()

    assert reason is not None
    assert "no Persian" in reason and all(name in reason for name in PERSIAN_ENGINES)
    with pytest.raises(EngineUnavailable) as caught:
        engine.synthesize("سلام، امروز هوا خوب است.")
    assert str(caught.value) == reason
    assert server.requests == []
    assert GttsEngine(EngineOptions(lang="fa-IR")).available() == reason


def test_languages_gtts_lists_are_available_others_are_not() -> None:
    assert GttsEngine(EngineOptions(lang="en")).available() is None
    assert GttsEngine(EngineOptions(lang="de")).available() is None
    assert GttsEngine(EngineOptions(lang="zh-TW")).available() is None
    unknown = GttsEngine(EngineOptions(lang="xx")).available()
    assert unknown is not None and "'xx'" in unknown
    bad_tld = GttsEngine(EngineOptions(lang="en", voice="evil.example/")).available()
    assert bad_tld is not None and "top-level domain" in bad_tld


def test_settings_key_names_language_and_accent() -> None:
    assert GttsEngine(EngineOptions(lang="EN", voice="com.au")).settings_key() == "gtts|lang=en|tld=com.au"
    assert GttsEngine(EngineOptions(lang="en")).settings_key() != GttsEngine(
        EngineOptions(lang="fr")).settings_key()


def test_registry_builds_the_engine() -> None:
    engine = create_engine("gtts", EngineOptions(lang="en"))
    assert isinstance(engine, GttsEngine) and engine.name == "gtts"


# --- retries through the engine -------------------------------------------------------------------


def test_a_500_is_retried_after_a_backoff_then_succeeds(serve: Serve) -> None:
    server = serve(in_turn(always(Reply(500, b"oops")), google))
    sleeps = Sleeps()
    clip = engine_for(server, sleeps).synthesize("Second time lucky.")

    assert [spoken_request(r)[0] for r in server.requests] == ["Second time lucky."] * 2
    assert sleeps.waits == [0.375]  # base 0.5 s, equal jitter with rand() = 0.5
    assert abs(clip.duration_ms - expected_ms("Second time lucky.")) < 80


def test_429_retry_after_seconds_is_honoured(serve: Serve) -> None:
    server = serve(in_turn(always(Reply(429, headers={"Retry-After": "7"})), google))
    sleeps = Sleeps()
    clip = engine_for(server, sleeps).synthesize("Slow down.")

    assert sleeps.waits == [7.0]
    assert len(server.requests) == 2 and clip.frames > 0


def test_429_retry_after_http_date_is_honoured(serve: Serve) -> None:
    server = serve(in_turn(always(Reply(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:12 GMT"})),
                           google))
    sleeps = Sleeps()
    now = 1445412480.0  # 2015-10-21 07:28:00 GMT
    opts = EngineOptions(lang="en", base_url=server.url)
    engine = GttsEngine(opts, policy=RetryPolicy(sleep=sleeps, rand=lambda: 0.5, clock=lambda: now))
    engine.synthesize("Later.")

    assert sleeps.waits == [12.0]


def test_5xx_every_time_ends_in_a_clear_network_error(serve: Serve) -> None:
    server = serve(always(Reply(503, b"busy")))
    sleeps = Sleeps()
    with pytest.raises(NetworkError) as caught:
        engine_for(server, sleeps, retries=2).synthesize("Anyone there?")

    assert str(caught.value) == (
        f"gtts: {server.url} kept failing after 3 tries (HTTP 503 Service Unavailable)"
    )
    assert len(server.requests) == 3
    assert sleeps.waits == [0.375, 0.75]


def test_a_timeout_is_retried_then_named_clearly(serve: Serve) -> None:
    server = serve(always(Reply(200, b"too late", delay=5.0)))
    started = time.monotonic()
    with pytest.raises(NetworkError) as caught:
        engine_for(server, timeout=0.3, retries=1).synthesize("Hello?")
    elapsed = time.monotonic() - started

    assert str(caught.value) == f"gtts: no answer from {server.url} after 2 tries (timed out)"
    assert isinstance(caught.value, ConnectionError)
    assert len(server.requests) == 2
    assert 0.55 < elapsed < 2.0


def test_a_refused_connection_is_named(serve: Serve) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = GttsEngine(EngineOptions(lang="en", base_url=f"http://127.0.0.1:{port}", retries=0))
    with pytest.raises(NetworkError) as caught:
        engine.synthesize("Knock knock.")
    assert str(caught.value) == (
        f"gtts: no answer from http://127.0.0.1:{port} after 1 try (connection refused)"
    )


def test_a_client_error_is_final_at_once(serve: Serve) -> None:
    server = serve(always(Reply(403, b"forbidden")))
    sleeps = Sleeps()
    with pytest.raises(EngineError) as caught:
        engine_for(server, sleeps).synthesize("Let me in.")

    assert not isinstance(caught.value, NetworkError)
    assert str(caught.value) == f"gtts: {server.url} refused the request (HTTP 403 Forbidden)"
    assert len(server.requests) == 1 and sleeps.waits == []


def test_an_answer_without_audio_is_an_error(serve: Serve) -> None:
    server = serve(always(Reply(200, b")]}'\n\n12\n[[\"di\",57]]\n")))
    with pytest.raises(EngineError, match="holds no audio"):
        engine_for(server).synthesize("Silence?")
    with pytest.raises(EngineError, match="holds no audio"):
        parse_batchexecute(b'[["wrb.fr","jQ1olc",null,null,null,[3],"generic"]]')


def test_audio_that_is_not_mp3_is_an_error(serve: Serve) -> None:
    server = serve(always(Reply(200, batchexecute_answer(b"definitely not an mp3 stream" * 20))))
    with pytest.raises(EngineError, match=r"^gtts: received audio could not be decoded"):
        engine_for(server).synthesize("Garbled.")


def test_the_engine_is_safe_to_share_between_threads(serve: Serve) -> None:
    server = serve(google)
    engine = engine_for(server)
    texts = [f"Thread number {i} speaks." for i in range(6)]
    results: dict[str, Clip] = {}

    def speak(text: str) -> None:
        results[text] = engine.synthesize(text)

    threads = [threading.Thread(target=speak, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(spoken_request(r)[0] for r in server.requests) == sorted(texts)
    assert all(abs(results[t].duration_ms - expected_ms(t)) < 80 for t in texts)


# --- the retry policy on its own --------------------------------------------------------------------


def test_backoff_grows_exponentially_within_its_jitter_and_cap() -> None:
    low = RetryPolicy(base_delay=0.5, max_delay=8.0, rand=lambda: 0.0)
    high = RetryPolicy(base_delay=0.5, max_delay=8.0, rand=lambda: 1.0)
    assert [low.backoff(n) for n in range(1, 7)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert [high.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_retry_after_parsing() -> None:
    assert parse_retry_after("120", now=0.0) == 120.0
    assert parse_retry_after(" 3 ", now=0.0) == 3.0
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", now=15.0) == 45.0
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:01 GMT", now=15.0) == 0.0  # already past
    assert parse_retry_after("soon", now=0.0) is None
    assert parse_retry_after(None, now=0.0) is None


def test_a_retry_after_beyond_the_limit_gives_up_at_once() -> None:
    sleeps = Sleeps()
    calls: list[int] = []

    def transport(request: HttpRequest) -> HttpResponse:
        calls.append(1)
        return HttpResponse(429, "Too Many Requests", {"retry-after": "3600"}, b"")

    request = HttpRequest("GET", "http://127.0.0.1:9/x", {}, None, 1.0)
    with pytest.raises(NetworkError) as caught:
        fetch(request, transport=transport, policy=RetryPolicy(sleep=sleeps), label="svc")
    assert str(caught.value) == (
        "svc: http://127.0.0.1:9 asked to wait 3600 s before another try "
        "(HTTP 429 Too Many Requests); giving up"
    )
    assert calls == [1] and sleeps.waits == []


def test_an_injected_transport_needs_no_server() -> None:
    answers: list[HttpResponse | TransportFailure] = [
        TransportFailure("connection reset"),
        HttpResponse(502, "Bad Gateway", {}, b""),
        HttpResponse(200, "OK", {}, b"done"),
    ]

    def transport(request: HttpRequest) -> HttpResponse:
        answer = answers.pop(0)
        if isinstance(answer, TransportFailure):
            raise answer
        return answer

    sleeps = Sleeps()
    policy = RetryPolicy(tries=3, sleep=sleeps, rand=lambda: 0.5)
    response = fetch(HttpRequest("GET", "http://svc.test/a", {}, None, 1.0),
                     transport=transport, policy=policy, label="svc")
    assert response.body == b"done" and sleeps.waits == [0.375, 0.75]


def test_run_retries_any_retryable_step_and_passes_other_errors_through() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(tries=3, sleep=sleeps, rand=lambda: 0.5)
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise Retryable("socket closed", answered=False)
        return "ok"

    assert policy.run(flaky, label="edge", target="wss://speech.test") == "ok"
    assert len(attempts) == 3

    def broken() -> str:
        raise ValueError("not a network problem")

    with pytest.raises(ValueError):
        policy.run(broken, label="edge", target="wss://speech.test")


def test_default_transport_reads_status_headers_and_body(serve: Serve) -> None:
    server = serve(always(Reply(418, b"short and stout", {"X-Kind": "teapot"})))
    response = UrllibTransport()(HttpRequest("PUT", f"{server.url}/pot", {"X-Test": "1"}, b"tea", 2.0))

    assert (response.status, response.body, response.headers["x-kind"]) == (418, b"short and stout", "teapot")
    received = server.requests[0]
    assert (received.method, received.path, received.body) == ("PUT", "/pot", b"tea")
    assert received.headers["x-test"] == "1"

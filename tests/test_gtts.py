"""The gtts engine (gTTS's own requests, answered by a request-level stand-in of Google's endpoint)
and the shared retry policy."""

from __future__ import annotations

import ast
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
import requests

import narrator.engines.gtts as gtts_module
from narrator.engines.base import EngineOptions
from narrator.engines.gtts import GOOGLE_MAX_CHARS, GttsEngine, split_for_google
from narrator.engines.registry import create_engine, engines_speaking
from narrator.engines.retry import Retryable, RetryPolicy, parse_retry_after
from narrator.errors import EngineError, EngineUnavailable, NetworkError
from narrator.ffmpeg import decode_audio
from narrator.model import Clip
from tests.google_standin import (
    RATE,
    RPC_PATH,
    TONE_HZ,
    GoogleStandin,
    Reply,
    always,
    batchexecute_answer,
    expected_ms,
    speak,
    tone_mp3,
)

GOOGLE = "https://translate.google.com"


class Sleeps:
    """An injected sleep that records each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def english(sleeps: Sleeps | None = None, *, voice: str | None = None, timeout: float = 10.0,
            retries: int = 3) -> GttsEngine:
    """An English engine whose retry waits are recorded by ``sleeps``."""
    opts = EngineOptions(lang="en", voice=voice, timeout=timeout, retries=retries)
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


def test_a_short_english_sentence_is_one_request_and_real_audio() -> None:
    with GoogleStandin() as google:
        clip = english(timeout=7.5).synthesize("Hello from the stand-in.")
    [request] = google.requests
    assert (request.text, request.lang, request.method) == ("Hello from the stand-in.", "en", "POST")
    assert request.url == GOOGLE + RPC_PATH and request.timeout == 7.5
    assert clip.sample_rate == RATE
    assert abs(clip.duration_ms - expected_ms("Hello from the stand-in.")) < 80
    assert rms(clip) > 5000  # a half-scale sine has RMS ~11585; silence has 0
    assert abs(dominant_hz(clip) - TONE_HZ) < 5


def test_the_voice_picks_the_google_host() -> None:
    with GoogleStandin() as google:
        english(voice="co.uk").synthesize("Good morning")
    assert [r.url for r in google.requests] == ["https://translate.google.co.uk" + RPC_PATH]


def test_long_text_is_cut_into_gtts_sized_requests() -> None:
    size = len(SENTENCES[0])
    assert all(len(s) == size for s in SENTENCES) and 2 * size + 1 <= GOOGLE_MAX_CHARS < 3 * size + 2
    with GoogleStandin() as google:
        clip = english().synthesize(LONG_TEXT)

    expected_chunks = [f"{SENTENCES[i]} {SENTENCES[i + 1]}" for i in range(0, 10, 2)]
    assert [r.text for r in google.requests] == expected_chunks
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


def test_nothing_to_say_sends_nothing() -> None:
    with GoogleStandin() as google:
        clip = english().synthesize(" ... ")
    assert clip.frames == 0 and google.requests == []


def test_persian_is_refused_before_any_request() -> None:
    with GoogleStandin() as google:
        engine = GttsEngine(EngineOptions())  # lang defaults to "fa"
        reason = engine.available()
        assert reason is not None
        with pytest.raises(EngineUnavailable) as caught:
            engine.synthesize("سلام، امروز هوا خوب است.")
    assert google.requests == []
    assert reason == ("Google's voice has no Persian (gTTS lists no 'fa'); "
                      "engines that can speak Persian: piper, edge, espeak")
    assert engines_speaking("fa") == ["piper", "edge", "espeak"]
    assert str(caught.value) == reason
    assert GttsEngine(EngineOptions(lang="fa-IR")).available() == reason
    assert "fa" not in engine.languages and {"en", "de", "fr"} <= engine.languages


def test_languages_gtts_lists_are_available_others_are_not() -> None:
    assert GttsEngine(EngineOptions(lang="en")).available() is None
    assert GttsEngine(EngineOptions(lang="de")).available() is None
    assert GttsEngine(EngineOptions(lang="zh-TW")).available() is None
    unknown = GttsEngine(EngineOptions(lang="xx")).available()
    assert unknown is not None and "'xx'" in unknown
    bad_tld = GttsEngine(EngineOptions(lang="en", voice="evil.example/")).available()
    assert bad_tld is not None and "top-level domain" in bad_tld


def test_settings_key_and_facts() -> None:
    assert GttsEngine(EngineOptions(lang="EN", voice="com.au")).settings_key() == "gtts|lang=en|tld=com.au"
    assert GttsEngine(EngineOptions(lang="en")).settings_key() != GttsEngine(
        EngineOptions(lang="fr")).settings_key()
    engine = create_engine("gtts", EngineOptions(lang="en"))
    assert isinstance(engine, GttsEngine) and engine.name == "gtts"
    assert engine.online and not engine.reads_through_espeak and engine.voice_label == "en"


def test_probe_asks_the_google_host_once() -> None:
    with GoogleStandin() as google:
        assert english(voice="de").probe() is None
    assert google.heads == ["https://translate.google.de/"] and google.requests == []


def test_probe_says_when_google_cannot_be_reached() -> None:
    with GoogleStandin(head=requests.ConnectTimeout("connect timed out")):
        reason = english().probe()
    assert reason == f"gtts: {GOOGLE} is not reachable (timed out)"


# --- retries through the engine -------------------------------------------------------------------


def test_a_500_is_retried_after_a_backoff_then_succeeds() -> None:
    sleeps = Sleeps()
    with GoogleStandin(always(Reply(500, b"oops")), speak) as google:
        clip = english(sleeps).synthesize("Second time lucky.")
    assert [r.text for r in google.requests] == ["Second time lucky."] * 2
    assert sleeps.waits == [0.375]  # base 0.5 s, equal jitter with rand() = 0.5
    assert abs(clip.duration_ms - expected_ms("Second time lucky.")) < 80


def test_each_piece_is_retried_on_its_own() -> None:
    sleeps = Sleeps()
    with GoogleStandin(speak, always(Reply(503)), speak) as google:
        clip = english(sleeps).synthesize(" ".join(SENTENCES[:4]))
    texts = [r.text for r in google.requests]
    first, second = f"{SENTENCES[0]} {SENTENCES[1]}", f"{SENTENCES[2]} {SENTENCES[3]}"
    assert texts == [first, second, second] and sleeps.waits == [0.375]
    assert clip.frames == sum(decode_audio(tone_mp3(expected_ms(t)), RATE).frames for t in (first, second))


def test_429_retry_after_seconds_is_honoured() -> None:
    sleeps = Sleeps()
    with GoogleStandin(always(Reply(429, headers={"Retry-After": "7"})), speak) as google:
        clip = english(sleeps).synthesize("Slow down.")
    assert sleeps.waits == [7.0]
    assert len(google.requests) == 2 and clip.frames > 0


def test_429_retry_after_http_date_is_honoured() -> None:
    sleeps = Sleeps()
    now = 1445412480.0  # 2015-10-21 07:28:00 GMT
    engine = GttsEngine(EngineOptions(lang="en"),
                        policy=RetryPolicy(sleep=sleeps, rand=lambda: 0.5, clock=lambda: now))
    with GoogleStandin(always(Reply(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:12 GMT"})), speak):
        engine.synthesize("Later.")
    assert sleeps.waits == [12.0]


def test_a_retry_after_beyond_the_limit_gives_up_at_once() -> None:
    sleeps = Sleeps()
    with GoogleStandin(always(Reply(429, headers={"Retry-After": "3600"}))) as google, \
            pytest.raises(NetworkError) as caught:
        english(sleeps).synthesize("Much later.")
    assert str(caught.value) == (
        f"gtts: {GOOGLE} asked to wait 3600 s before another try (HTTP 429 Too Many Requests); giving up"
    )
    assert len(google.requests) == 1 and sleeps.waits == []


def test_5xx_every_time_ends_in_a_clear_network_error() -> None:
    sleeps = Sleeps()
    with GoogleStandin(always(Reply(503, b"busy"))) as google, pytest.raises(NetworkError) as caught:
        english(sleeps, retries=2).synthesize("Anyone there?")
    assert str(caught.value) == f"gtts: {GOOGLE} kept failing after 3 tries (HTTP 503 Service Unavailable)"
    assert len(google.requests) == 3
    assert sleeps.waits == [0.375, 0.75]


def test_a_timeout_is_retried_then_named_clearly() -> None:
    with GoogleStandin(always(requests.ReadTimeout("read timed out"))) as google, \
            pytest.raises(NetworkError) as caught:
        english(timeout=0.3, retries=1).synthesize("Hello?")
    assert str(caught.value) == f"gtts: no answer from {GOOGLE} after 2 tries (timed out)"
    assert isinstance(caught.value, ConnectionError)
    assert [r.timeout for r in google.requests] == [0.3, 0.3]  # the user's timeout reaches requests


def test_a_refused_connection_is_named() -> None:
    refused = requests.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
    with GoogleStandin(always(refused)), pytest.raises(NetworkError) as caught:
        GttsEngine(EngineOptions(lang="en", retries=0)).synthesize("Knock knock.")
    assert str(caught.value) == f"gtts: no answer from {GOOGLE} after 1 try (connection refused)"


def test_a_client_error_is_final_at_once() -> None:
    sleeps = Sleeps()
    with GoogleStandin(always(Reply(403, b"forbidden"))) as google, pytest.raises(EngineError) as caught:
        english(sleeps).synthesize("Let me in.")
    assert not isinstance(caught.value, NetworkError)
    assert str(caught.value) == f"gtts: {GOOGLE} refused the request (HTTP 403 Forbidden)"
    assert len(google.requests) == 1 and sleeps.waits == []


def test_an_answer_without_audio_is_an_error() -> None:
    with GoogleStandin(always(Reply(200, b")]}'\n\n12\n[[\"di\",57]]\n"))), \
            pytest.raises(EngineError, match="holds no audio"):
        english().synthesize("Silence?")
    empty_call = b'[["wrb.fr","jQ1olc",null,null,null,[3],"generic"]]'
    with GoogleStandin(always(Reply(200, empty_call))), pytest.raises(EngineError, match="holds no audio"):
        english().synthesize("Silence?")


def test_audio_that_is_not_mp3_is_an_error() -> None:
    garbled = Reply(200, batchexecute_answer(b"definitely not an mp3 stream" * 20))
    with GoogleStandin(always(garbled)), \
            pytest.raises(EngineError, match=r"^gtts: received audio could not be decoded"):
        english().synthesize("Garbled.")


def test_the_engine_is_safe_to_share_between_threads() -> None:
    engine = english()
    texts = [f"Thread number {i} speaks." for i in range(6)]
    results: dict[str, Clip] = {}

    def speak_one(text: str) -> None:
        results[text] = engine.synthesize(text)

    with GoogleStandin() as google:
        threads = [threading.Thread(target=speak_one, args=(t,)) for t in texts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(r.text for r in google.requests) == sorted(texts)
    assert all(abs(results[t].duration_ms - expected_ms(t)) < 80 for t in texts)


def test_only_documented_gtts_names_are_used() -> None:
    allowed = {"gtts": {"gTTS", "gTTSError"}, "gtts.lang": {"tts_langs"},
               "gtts.tokenizer": {"pre_processors"}}
    tree = ast.parse(Path(gtts_module.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gtts"):
            assert {a.name for a in node.names} <= allowed.get(node.module or "", set()), node.module
        if isinstance(node, ast.Attribute) and not (isinstance(node.value, ast.Name)
                                                    and node.value.id == "self"):
            assert not node.attr.startswith("_") or node.attr.startswith("__"), node.attr


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
    assert len(attempts) == 3 and sleeps.waits == [0.375, 0.75]

    def broken() -> str:
        raise ValueError("not a network problem")

    with pytest.raises(ValueError):
        policy.run(broken, label="edge", target="wss://speech.test")


def test_no_answer_reasons_read_real_requests_failures() -> None:
    """The reasons named for requests' own exception chains (a closed port, a silent server)."""
    from narrator.engines.gtts import _no_answer_reason

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{closed}/", timeout=1)
    with socket.create_server(("127.0.0.1", 0)) as silent, pytest.raises(requests.Timeout) as late:
        requests.get(f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=0.2)
    assert _no_answer_reason(refused.value) == "connection refused"
    assert _no_answer_reason(late.value) == "timed out"

"""The edge engine against a stand-in of Microsoft's WebSocket service on 127.0.0.1."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from narrator.engines.base import EngineOptions
from narrator.engines.edge import EdgeEngine, parse_binary_frame, parse_metadata, parse_text_frame, prosody
from narrator.engines.retry import RetryPolicy
from narrator.errors import EngineError, InputError, NetworkError
from narrator.model import Clip
from tests.edge_standin import (
    EdgeStandin,
    Plan,
    SilentTcpServer,
    audio_message,
    free_port,
    layout,
    metadata_message,
)

TEXT = "سلام دنیا، امروز هوا خوب است."


def engine(url: str, *, tries: int = 3, timeout: float = 2.0, sleeps: list[float] | None = None,
           **options: object) -> EdgeEngine:
    """An edge engine aimed at ``url`` whose retries sleep into ``sleeps`` instead of waiting."""
    record = sleeps if sleeps is not None else []
    policy = RetryPolicy(tries=tries, sleep=record.append, rand=lambda: 0.0)
    volume = options.pop("volume", None)
    boundary = options.pop("boundary", "word")
    return EdgeEngine(EngineOptions(base_url=url, timeout=timeout, **options),  # type: ignore[arg-type]
                      volume=volume, boundary=boundary, policy=policy)  # type: ignore[arg-type]


def rms(clip: Clip, start_ms: int, end_ms: int) -> float:
    samples = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float64)
    a, b = start_ms * clip.sample_rate // 1000, end_ms * clip.sample_rate // 1000
    return float(np.sqrt(np.mean(samples[a:b] ** 2)))


def test_speaks_with_word_timings_on_the_sound() -> None:
    with EdgeStandin() as server:
        clip = engine(server.url).synthesize(TEXT)
    assert server.problems == []
    assert server.spoken[0].voice == "Microsoft Server Speech Text to Speech Voice (fa-IR, DilaraNeural)"
    assert server.spoken[0].text == TEXT
    expected = layout(TEXT)
    assert clip.sample_rate == 24000
    assert abs(clip.duration_ms - expected.duration_ms) < 120  # MP3 encoder delay and padding
    assert [(w.text, w.start_ms, w.end_ms) for w in clip.words] == list(expected.words)
    assert all(0 <= w.start_ms < w.end_ms <= clip.duration_ms for w in clip.words)
    for word, following in zip(clip.words, [*clip.words[1:], None], strict=True):
        assert rms(clip, word.start_ms + 70, word.end_ms - 20) > 5000  # the burst is where the word is
        if following is not None:
            assert rms(clip, word.end_ms + 80, following.start_ms) < 300  # and the gap is silent


def test_voice_and_prosody_reach_the_service() -> None:
    with EdgeStandin() as server:
        engine(server.url, voice="fa-IR-FaridNeural", rate=20, pitch=-10, volume=-30).synthesize("سلام")
    spoken = server.spoken[0]
    assert spoken.voice == "Microsoft Server Speech Text to Speech Voice (fa-IR, FaridNeural)"
    assert (spoken.rate, spoken.pitch, spoken.volume) == ("+20%", "-10Hz", "-30%")
    assert server.problems == []


def test_sentence_boundaries_when_asked() -> None:
    with EdgeStandin() as server:
        clip = engine(server.url, boundary="sentence").synthesize(TEXT)
    options = server.spoken[0].config["context"]["synthesis"]["audio"]["metadataoptions"]  # type: ignore[index]
    assert options == {"sentenceBoundaryEnabled": "true", "wordBoundaryEnabled": "false"}
    words = layout(TEXT).words
    assert [(w.text, w.start_ms, w.end_ms) for w in clip.words] == [(TEXT, words[0][1], words[-1][2])]


def test_markup_characters_are_escaped_and_arrive_intact() -> None:
    with EdgeStandin() as server:
        clip = engine(server.url).synthesize("A & B <C> 'd'")
    assert server.spoken[0].text == "A & B <C> 'd'"
    assert [w.text for w in clip.words] == ["A", "B", "<C>", "'d'"]  # "&" alone is punctuation


def test_dropped_connection_is_retried() -> None:
    sleeps: list[float] = []
    with EdgeStandin(Plan("drop"), Plan("speak")) as server:
        clip = engine(server.url, sleeps=sleeps).synthesize(TEXT)
    assert server.connections == 2 and sleeps == [0.25]
    assert len(clip.words) == len(layout(TEXT).words)


def test_connection_that_keeps_dropping_is_a_network_error() -> None:
    sleeps: list[float] = []
    with EdgeStandin(Plan("drop")) as server, pytest.raises(NetworkError) as caught:
        engine(server.url, tries=3, sleeps=sleeps).synthesize(TEXT)
    assert server.connections == 3 and len(sleeps) == 2
    message = str(caught.value)
    assert "connection dropped after" in message and "after 3 tries" in message and "127.0.0.1" in message


def test_server_that_never_answers_times_out_fast() -> None:
    with EdgeStandin(Plan("silent")) as server:
        started = time.monotonic()
        with pytest.raises(NetworkError, match=r"no answer from ws://127\.0\.0\.1:\d+ after 2 tries"):
            engine(server.url, tries=2, timeout=0.3).synthesize(TEXT)
        elapsed = time.monotonic() - started
    assert server.connections == 2 and elapsed < 2.0


def test_handshake_that_never_comes_times_out_fast() -> None:
    with SilentTcpServer() as server:
        started = time.monotonic()
        with pytest.raises(NetworkError, match=r"no connection within 0\.3 s"):
            engine(server.url, tries=2, timeout=0.3).synthesize(TEXT)
    assert time.monotonic() - started < 2.0


def test_no_audio_is_an_engine_error_not_retried() -> None:
    with EdgeStandin(Plan("no_audio")) as server, pytest.raises(EngineError) as caught:
        engine(server.url).synthesize(TEXT)
    assert not isinstance(caught.value, NetworkError)
    assert "no audio received for voice fa-IR-DilaraNeural" in str(caught.value)
    assert server.connections == 1


def test_rate_limit_waits_as_asked_then_succeeds() -> None:
    sleeps: list[float] = []
    with EdgeStandin(Plan("refuse", 429, {"Retry-After": "2"}), Plan("speak")) as server:
        clip = engine(server.url, sleeps=sleeps).synthesize("سلام")
    assert sleeps == [2.0] and clip.duration_ms > 0 and server.connections == 2


def test_rate_limit_that_persists_says_so() -> None:
    with EdgeStandin(Plan("refuse", 429)) as server, pytest.raises(NetworkError, match="rate limited"):
        engine(server.url, tries=2).synthesize("سلام")
    assert server.connections == 2


def test_server_error_is_retried_but_bad_request_is_final() -> None:
    with EdgeStandin(Plan("refuse", 503), Plan("speak")) as server:
        engine(server.url).synthesize("سلام")
    assert server.connections == 2
    with EdgeStandin(Plan("refuse", 400)) as server, pytest.raises(EngineError) as caught:
        engine(server.url).synthesize("سلام")
    assert not isinstance(caught.value, NetworkError) and "HTTP 400" in str(caught.value)
    assert server.connections == 1


def test_unreachable_service_is_a_network_error() -> None:
    url = f"ws://127.0.0.1:{free_port()}/readaloud"
    started = time.monotonic()
    with pytest.raises(NetworkError, match="connection refused"):
        engine(url, tries=2).synthesize("سلام")
    assert time.monotonic() - started < 2.0
    reason = engine(url).reachable(timeout=0.5)
    assert reason is not None and "not reachable" in reason


def test_reachable_and_available_do_not_synthesize() -> None:
    with EdgeStandin() as server:
        probe = engine(server.url)
        assert probe.available() is None
        assert probe.reachable(timeout=1.0) is None
    assert server.spoken == [] and server.problems == []


def test_bad_settings_are_input_errors() -> None:
    bad_voice = engine("ws://127.0.0.1:1/x", voice="fa")
    reason = bad_voice.available()
    assert reason is not None and "fa-IR-DilaraNeural" in reason
    with pytest.raises(InputError, match="not a Microsoft neural voice"):
        bad_voice.synthesize("سلام")
    with pytest.raises(InputError, match="rate must be between -50 and"):
        engine("ws://127.0.0.1:1/x", rate=175).synthesize("سلام")
    with pytest.raises(EngineError, match="no text"):
        engine("ws://127.0.0.1:1/x").synthesize("  ")


def test_settings_key_follows_voice_and_prosody() -> None:
    base = engine("ws://x/y")
    assert base.settings_key() == engine("ws://other/z").settings_key()
    assert base.settings_key() != engine("ws://x/y", voice="fa-IR-FaridNeural").settings_key()
    assert base.settings_key() != engine("ws://x/y", rate=10).settings_key()
    assert prosody(-50, 50, None) == ("-50%", "+50Hz", "+0%")


def test_parallel_requests_each_get_their_own_audio() -> None:
    texts = ["سلام", "امروز هوا خوب است", "کتاب"] * 2
    with EdgeStandin() as server:
        edge = engine(server.url)
        with ThreadPoolExecutor(max_workers=3) as pool:
            clips = list(pool.map(edge.synthesize, texts))
    assert [[w.text for w in c.words] for c in clips] == [t.split() for t in texts]
    assert server.problems == []


def test_frame_parsing_agrees_with_edge_tts() -> None:
    from edge_tts.communicate import get_headers_and_data

    frame = audio_message("abc", b"\xff\xfbMP3")
    headers, payload = parse_binary_frame(frame)
    reference_headers, reference_payload = get_headers_and_data(frame, int.from_bytes(frame[:2], "big"))
    assert payload == reference_payload == b"\xff\xfbMP3"
    assert headers["Path"] == reference_headers[b"Path"].decode() == "audio"
    text_headers, body = parse_text_frame(metadata_message("abc", "WordBoundary", "سلام", 100, 340))
    assert text_headers["Path"] == "audio.metadata"
    [event] = parse_metadata(body)
    assert (event.kind, event.text, event.start_ms, event.end_ms) == ("WordBoundary", "سلام", 100, 340)
    with pytest.raises(EngineError, match="header length exceeds"):
        parse_binary_frame(b"\x01\x00abc")

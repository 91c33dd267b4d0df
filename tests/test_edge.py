"""The edge engine: edge-tts's own client talking to a stand-in of Microsoft's service.

The stand-in (tests/edge_standin.py) is reached through the aiohttp connector ``Communicate``
accepts; nothing of edge-tts is patched.
"""

from __future__ import annotations

import ast
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import numpy as np
import pytest

import narrator.engines.edge as edge_module
from narrator.engines.base import EngineOptions
from narrator.engines.edge import EdgeEngine, prosody
from narrator.engines.retry import RetryPolicy
from narrator.errors import EngineError, InputError, NetworkError
from narrator.model import Clip
from tests.edge_standin import EdgeStandin, Plan, layout, refusing_socket

TEXT = "سلام دنیا، امروز هوا خوب است."


def engine(server: EdgeStandin | str, *, tries: int = 3, timeout: float = 2.0,
           sleeps: list[float] | None = None, **options: object) -> EdgeEngine:
    """An edge engine that reaches ``server`` (or the Unix socket path given), its retry waits
    recorded in ``sleeps`` instead of slept."""
    record = sleeps if sleeps is not None else []
    policy = RetryPolicy(tries=tries, sleep=record.append, rand=lambda: 0.0)
    volume = options.pop("volume", None)
    boundary = options.pop("boundary", "word")
    path = server if isinstance(server, str) else server.path
    return EdgeEngine(EngineOptions(timeout=timeout, **options),  # type: ignore[arg-type]
                      volume=volume, boundary=boundary, policy=policy,  # type: ignore[arg-type]
                      connector=lambda: aiohttp.UnixConnector(path=path))


def rms(clip: Clip, start_ms: int, end_ms: int) -> float:
    samples = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float64)
    a, b = start_ms * clip.sample_rate // 1000, end_ms * clip.sample_rate // 1000
    return float(np.sqrt(np.mean(samples[a:b] ** 2)))


def test_speaks_with_word_timings_on_the_sound() -> None:
    with EdgeStandin() as server:
        clip = engine(server).synthesize(TEXT)
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


def test_both_persian_voices_and_prosody_reach_the_service() -> None:
    with EdgeStandin() as server:
        engine(server, voice="fa-IR-FaridNeural", rate=20, pitch=-10, volume=-30).synthesize("سلام")
        engine(server, voice="fa-IR-DilaraNeural", rate=-50, pitch=50).synthesize("سلام")
    farid, dilara = server.spoken
    assert farid.voice == "Microsoft Server Speech Text to Speech Voice (fa-IR, FaridNeural)"
    assert (farid.rate, farid.pitch, farid.volume) == ("+20%", "-10Hz", "-30%")
    assert dilara.voice == "Microsoft Server Speech Text to Speech Voice (fa-IR, DilaraNeural)"
    assert (dilara.rate, dilara.pitch, dilara.volume) == ("-50%", "+50Hz", "+0%")
    assert server.problems == []


def test_sentence_boundaries_when_asked() -> None:
    with EdgeStandin() as server:
        clip = engine(server, boundary="sentence").synthesize(TEXT)
    options = server.spoken[0].config["context"]["synthesis"]["audio"]["metadataoptions"]  # type: ignore[index]
    assert options == {"sentenceBoundaryEnabled": "true", "wordBoundaryEnabled": "false"}
    words = layout(TEXT).words
    assert [(w.text, w.start_ms, w.end_ms) for w in clip.words] == [(TEXT, words[0][1], words[-1][2])]


def test_markup_characters_are_escaped_and_arrive_intact() -> None:
    with EdgeStandin() as server:
        clip = engine(server).synthesize("A & B <C> 'd'")
    assert server.spoken[0].text == "A & B <C> 'd'"
    assert [w.text for w in clip.words] == ["A", "B", "<C>", "'d'"]  # "&" alone is punctuation


def test_dropped_connection_is_retried() -> None:
    sleeps: list[float] = []
    with EdgeStandin(Plan("drop"), Plan("speak")) as server:
        clip = engine(server, sleeps=sleeps).synthesize(TEXT)
    assert server.connections == 2 and sleeps == [0.25]
    assert [w.text for w in clip.words] == [w[0] for w in layout(TEXT).words]
    assert abs(clip.duration_ms - layout(TEXT).duration_ms) < 120  # the whole audio, not half


def test_connection_that_keeps_dropping_is_a_network_error() -> None:
    sleeps: list[float] = []
    with EdgeStandin(Plan("drop")) as server, pytest.raises(NetworkError) as caught:
        engine(server, tries=3, sleeps=sleeps).synthesize(TEXT)
    assert server.connections == 3 and len(sleeps) == 2
    message = str(caught.value)
    assert message.startswith("edge: Microsoft's speech service kept failing after 3 tries")
    assert "connection dropped after" in message and "bytes of audio" in message


def test_server_that_never_answers_times_out_fast() -> None:
    with EdgeStandin(Plan("silent")) as server:
        started = time.monotonic()
        with pytest.raises(NetworkError, match=r"^edge: no answer from Microsoft's speech service after "
                                               r"2 tries \(no answer within 0\.3 s\)$"):
            engine(server, tries=2, timeout=0.3).synthesize(TEXT)
        elapsed = time.monotonic() - started
    assert server.connections == 2 and len(server.spoken) == 2 and elapsed < 2.0


def test_handshake_that_never_comes_times_out_fast() -> None:
    with EdgeStandin(Plan("mute")) as server:
        started = time.monotonic()
        with pytest.raises(NetworkError, match=r"no answer within 0\.3 s"):
            engine(server, tries=2, timeout=0.3).synthesize(TEXT)
        elapsed = time.monotonic() - started
    assert server.connections == 2 and server.spoken == [] and elapsed < 2.0


def test_no_audio_is_an_engine_error_not_retried() -> None:
    with EdgeStandin(Plan("no_audio")) as server, pytest.raises(EngineError) as caught:
        engine(server).synthesize(TEXT)
    assert not isinstance(caught.value, NetworkError)
    assert str(caught.value).startswith("edge: no audio received for voice fa-IR-DilaraNeural")
    assert server.connections == 1


def test_rate_limit_waits_as_asked_then_succeeds() -> None:
    sleeps: list[float] = []
    with EdgeStandin(Plan("refuse", 429, {"Retry-After": "2"}), Plan("speak")) as server:
        clip = engine(server, sleeps=sleeps).synthesize("سلام")
    assert sleeps == [2.0] and clip.duration_ms > 0 and server.connections == 2


def test_rate_limit_that_persists_says_so() -> None:
    with EdgeStandin(Plan("refuse", 429)) as server, pytest.raises(NetworkError) as caught:
        engine(server, tries=2).synthesize("سلام")
    assert str(caught.value) == (
        "edge: Microsoft's speech service kept failing after 2 tries (HTTP 429: rate limited by the service)"
    )
    assert server.connections == 2


def test_server_error_is_retried_but_bad_request_is_final() -> None:
    with EdgeStandin(Plan("refuse", 503), Plan("speak")) as server:
        engine(server).synthesize("سلام")
    assert server.connections == 2
    with EdgeStandin(Plan("refuse", 400)) as server, pytest.raises(EngineError) as caught:
        engine(server).synthesize("سلام")
    assert not isinstance(caught.value, NetworkError)
    assert str(caught.value) == "edge: Microsoft's speech service refused the connection (HTTP 400)"
    assert server.connections == 1


def test_refused_token_is_final_after_edge_tts_own_second_try() -> None:
    with EdgeStandin(Plan("refuse", 403)) as server:  # its Date header is now: no clock skew
        policy = RetryPolicy(tries=3, sleep=lambda _s: None)
        edge = EdgeEngine(EngineOptions(), policy=policy, connector=server.kept_connector)
        with pytest.raises(EngineError) as caught:
            edge.synthesize("سلام")
    assert not isinstance(caught.value, NetworkError) and "access token (HTTP 403)" in str(caught.value)
    assert server.connections == 2  # edge-tts corrects its clock and tries once more, narrator does not


def test_unreachable_service_is_a_network_error(tmp_path: Path) -> None:
    path = refusing_socket(tmp_path)
    started = time.monotonic()
    with pytest.raises(NetworkError) as caught:
        engine(path, tries=2).synthesize("سلام")
    assert str(caught.value) == (
        "edge: no answer from Microsoft's speech service after 2 tries (connection refused)"
    )
    assert time.monotonic() - started < 2.0
    assert engine(path).probe() == "edge: Microsoft's speech service is not reachable (connection refused)"


def test_probe_reads_the_voice_list_and_never_synthesizes() -> None:
    with EdgeStandin() as server:
        assert engine(server).available() is None
        assert engine(server).probe() is None
        assert engine(server, voice="fa-IR-FaridNeural").probe() is None
        missing = engine(server, voice="fa-IR-NobodyNeural").probe()
    assert missing == "edge: Microsoft's speech service has no voice fa-IR-NobodyNeural"
    assert server.voice_lists == 3 and server.spoken == [] and server.problems == []


def test_probe_of_a_service_that_never_answers_is_bounded() -> None:
    with EdgeStandin(mute_voice_list=True) as server:
        started = time.monotonic()
        reason = engine(server).probe()
        elapsed = time.monotonic() - started
    assert reason == "edge: Microsoft's speech service is not reachable (no answer within 2 s)"
    assert 1.9 < elapsed < 3.0 and server.voice_lists == 1


def test_bad_settings_are_input_errors(tmp_path: Path) -> None:
    nowhere = str(tmp_path / "none.sock")
    bad_voice = engine(nowhere, voice="fa")
    reason = bad_voice.available()
    assert reason is not None and "fa-IR-DilaraNeural" in reason
    with pytest.raises(InputError, match="not a Microsoft neural voice"):
        bad_voice.synthesize("سلام")
    with pytest.raises(InputError, match="rate must be between -50 and"):
        engine(nowhere, rate=175).synthesize("سلام")
    with pytest.raises(EngineError, match="no text"):
        engine(nowhere).synthesize("  ")


def test_settings_key_and_facts_follow_voice_and_prosody(tmp_path: Path) -> None:
    base = engine(str(tmp_path / "a"))
    assert base.settings_key() == engine(str(tmp_path / "b")).settings_key()
    assert base.settings_key() != engine("x", voice="fa-IR-FaridNeural").settings_key()
    assert base.settings_key() != engine("x", rate=10).settings_key()
    assert prosody(-50, 50, None) == ("-50%", "+50Hz", "+0%")
    assert (base.online, base.reads_through_espeak, base.languages) == (True, False, frozenset({"fa"}))
    assert base.voice_label == "fa-IR-DilaraNeural"
    english = EdgeEngine(EngineOptions(lang="en"))
    assert english.voice_label == "en-US-EmmaMultilingualNeural" and english.languages == {"en"}


def test_parallel_requests_each_get_their_own_audio() -> None:
    texts = ["سلام", "امروز هوا خوب است", "کتاب"] * 2
    with EdgeStandin() as server:
        edge = engine(server)
        with ThreadPoolExecutor(max_workers=3) as pool:
            clips = list(pool.map(edge.synthesize, texts))
    assert [[w.text for w in c.words] for c in clips] == [t.split() for t in texts]
    assert server.problems == []


def test_only_edge_tts_public_names_are_used() -> None:
    import edge_tts

    tree = ast.parse(Path(edge_module.__file__).read_text(encoding="utf-8"))
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("edge_tts"):
            assert node.module == "edge_tts", f"imports from {node.module}"
            used.update(alias.name for alias in node.names)
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith(("edge_tts.", "websockets")) for a in node.names)
    assert used and used <= set(edge_tts.__all__)

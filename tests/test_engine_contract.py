"""One contract every speech engine keeps, run on each engine that works here offline.

Engines: ``espeak`` (in-process), ``piper`` (the real piper-tts + onnxruntime code on a tiny ONNX
voice the tests build), ``edge`` (edge-tts against the stand-in of Microsoft's service) and
``gtts`` (English, gTTS against the request-level stand-in of Google's endpoint). To add an engine,
add a harness to ``HARNESSES``: how to build it working, how to build it broken, and the error type
its documentation promises for that fault.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
import pytest
import requests

from narrator.engines.base import Engine, EngineOptions
from narrator.engines.edge import EdgeEngine
from narrator.engines.espeak import EspeakEngine
from narrator.engines.gtts import GttsEngine
from narrator.engines.piper import PiperEngine
from narrator.engines.retry import RetryPolicy
from narrator.errors import EngineError, EngineUnavailable, NetworkError
from tests.edge_standin import EdgeStandin, refusing_socket
from tests.google_standin import GoogleStandin, Received, Reply, speak
from tests.piper_model import write_voice

PERSIAN = (
    "سلام.",
    "امروز هوا در تهران آفتابی است.",
    "کتابخانهٔ ملی از ساعت هشت صبح تا شش عصر باز است و همه می‌توانند از آن استفاده کنند.",
)
ENGLISH = (
    "Hello.",
    "Today the weather in Tehran is sunny.",
    "The national library is open from eight in the morning until six in the evening for everyone.",
)


def no_wait(options: EngineOptions) -> RetryPolicy:
    """The options' retry policy, without real sleeping between tries."""
    return RetryPolicy.from_options(options, sleep=lambda _seconds: None, rand=lambda: 0.0)


@dataclass(frozen=True)
class Harness:
    """How to run the contract on one engine."""

    name: str
    sentences: tuple[str, ...]
    build: Callable[[EngineOptions], Engine]
    broken: Callable[[], Engine]
    fault: type[EngineError]
    #: False where the broken engine can only find out by trying (a network engine offline).
    broken_knows_early: bool


def espeak(stack: ExitStack, tmp: Path) -> Harness:
    return Harness(
        name="espeak", sentences=PERSIAN,
        build=lambda options: EspeakEngine(options),
        broken=lambda: EspeakEngine(EngineOptions(voice="no-such-voice")),
        fault=EngineUnavailable, broken_knows_early=True,
    )


def piper(stack: ExitStack, tmp: Path) -> Harness:
    folder = tmp / "voices"
    write_voice(folder, name="fa_IR-tiny-x_low")
    return Harness(
        name="piper", sentences=PERSIAN,
        build=lambda options: PiperEngine(options, voices_folder=folder),
        broken=lambda: PiperEngine(EngineOptions(voice="fa_IR-gyro-medium"), voices_folder=tmp / "empty"),
        fault=EngineUnavailable, broken_knows_early=True,
    )


def edge(stack: ExitStack, tmp: Path) -> Harness:
    server = stack.enter_context(EdgeStandin())
    nowhere = refusing_socket(tmp)
    unreachable = EngineOptions(retries=1, timeout=1.0)

    def build(options: EngineOptions) -> Engine:
        return EdgeEngine(options, policy=no_wait(options), connector=server.connector)

    return Harness(
        name="edge", sentences=PERSIAN, build=build,
        broken=lambda: EdgeEngine(unreachable, policy=no_wait(unreachable),
                                  connector=lambda: aiohttp.UnixConnector(path=nowhere)),
        fault=NetworkError, broken_knows_early=False,
    )


def google_but_uk_is_down(request: Received) -> Reply | requests.RequestException:
    """Google's answer, except from translate.google.co.uk, which refuses every connection."""
    if ".co.uk/" in request.url:
        return requests.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
    return speak(request)


def gtts(stack: ExitStack, tmp: Path) -> Harness:
    stack.enter_context(GoogleStandin(google_but_uk_is_down))
    unreachable = EngineOptions(lang="en", voice="co.uk", retries=1, timeout=1.0)

    def build(options: EngineOptions) -> Engine:
        english = replace(options, lang="en")
        return GttsEngine(english, policy=no_wait(english))

    return Harness(
        name="gtts", sentences=ENGLISH, build=build,
        broken=lambda: GttsEngine(unreachable, policy=no_wait(unreachable)),
        fault=NetworkError, broken_knows_early=False,
    )


HARNESSES: dict[str, Callable[[ExitStack, Path], Harness]] = {
    "espeak": espeak, "piper": piper, "edge": edge, "gtts": gtts,
}


@pytest.fixture(params=sorted(HARNESSES))
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    with ExitStack() as stack:
        yield HARNESSES[request.param](stack, tmp_path)


def test_engine_is_available_and_named(harness: Harness) -> None:
    engine = harness.build(EngineOptions())
    assert engine.available() is None and engine.probe() is None
    assert engine.name == harness.name and engine.voice_label
    assert engine.online == (harness.name in ("edge", "gtts"))
    assert engine.reads_through_espeak == (harness.name in ("espeak", "piper"))
    assert ("fa" in engine.languages) == (harness.sentences is PERSIAN)
    assert engine.max_chars >= max(len(s) for s in harness.sentences)


def test_every_sentence_gives_audio_with_its_format_and_length(harness: Harness) -> None:
    engine = harness.build(EngineOptions())
    clips = [engine.synthesize(sentence) for sentence in harness.sentences]
    for clip in clips:
        assert clip.pcm and len(clip.pcm) % 2 == 0
        assert 8000 <= clip.sample_rate <= 48000
        assert clip.duration_ms == round(len(clip.pcm) // 2 * 1000 / clip.sample_rate)
        assert 100 <= clip.duration_ms <= 30_000
        assert any(clip.pcm[i] for i in range(0, len(clip.pcm), 7))  # not all silence
    durations = [clip.duration_ms for clip in clips]
    assert durations == sorted(durations), "a longer sentence should take longer to say"


def test_word_timings_lie_within_the_audio_in_order(harness: Harness) -> None:
    engine = harness.build(EngineOptions())
    for sentence in harness.sentences:
        clip = engine.synthesize(sentence)
        starts = [w.start_ms for w in clip.words]
        assert starts == sorted(starts)
        for word in clip.words:
            assert word.text.strip()
            assert 0 <= word.start_ms <= word.end_ms <= clip.duration_ms


def test_settings_key_is_stable_and_names_the_engine(harness: Harness) -> None:
    first, second = harness.build(EngineOptions()), harness.build(EngineOptions())
    assert first.settings_key() == second.settings_key()
    assert first.settings_key().startswith(harness.name)


def test_a_broken_engine_fails_with_the_documented_error(harness: Harness) -> None:
    broken = harness.broken()
    reason = broken.available()
    if harness.broken_knows_early:
        assert reason, "available() should say why the engine cannot speak"
    with pytest.raises(harness.fault) as caught:
        broken.synthesize(harness.sentences[1])
    assert str(caught.value).strip() and "\n" not in str(caught.value)


def test_sentences_are_spoken_the_same_way_twice(harness: Harness) -> None:
    engine = harness.build(EngineOptions())
    first, second = engine.synthesize(harness.sentences[1]), engine.synthesize(harness.sentences[1])
    assert first.sample_rate == second.sample_rate
    assert abs(first.duration_ms - second.duration_ms) <= 30
    assert [w.text for w in first.words] == [w.text for w in second.words]

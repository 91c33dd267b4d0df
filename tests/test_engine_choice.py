"""``--engine auto``: the first engine that works now, online engines only when allowed."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from narrator.cli import main
from narrator.engines.base import Engine, EngineOptions
from narrator.engines.cache import CachedEngine, ClipCache
from narrator.engines.espeak import words_per_minute
from narrator.engines.registry import Choice, choose_engine, create_engine, engine_names, engines_speaking
from narrator.errors import InputError
from narrator.model import Clip


@dataclass
class Stub:
    """An engine whose facts, availability and reachability are set by the test."""

    name: str
    reason: str | None = None
    unreachable: str | None = None
    online: bool = False
    languages: frozenset[str] = frozenset({"fa"})
    reads_through_espeak: bool = False
    max_chars: int = 100
    probed: int = 0

    @property
    def voice_label(self) -> str:
        return self.name

    def available(self) -> str | None:
        return self.reason

    def probe(self) -> str | None:
        self.probed += 1
        return self.unreachable

    def settings_key(self) -> str:
        return self.name

    def synthesize(self, text: str) -> Clip:
        return Clip(b"", 16000)


def builder(stubs: dict[str, Stub]) -> Callable[[str, EngineOptions], Engine]:
    def build(name: str, options: EngineOptions) -> Engine:
        return stubs[name]

    return build


def stubs_like_the_real_engines(**reasons: str) -> dict[str, Stub]:
    return {
        "piper": Stub("piper", reason=reasons.get("piper")),
        "edge": Stub("edge", online=True),
        "espeak": Stub("espeak", languages=frozenset({"fa", "en"})),
        "gtts": Stub("gtts", online=True, languages=frozenset({"en", "de"})),
    }


def test_piper_first_when_a_voice_is_installed() -> None:
    stubs = stubs_like_the_real_engines()
    assert choose_engine(EngineOptions(), True, builder(stubs)).name == "piper"


def test_auto_takes_only_engines_that_speak_the_language() -> None:
    stubs = stubs_like_the_real_engines(piper="no voice")
    stubs["espeak"].reason = "libespeak-ng did not load"
    persian = choose_engine(EngineOptions(), True, builder(stubs))
    assert persian.name == "edge" and stubs["gtts"].probed == 0
    german = choose_engine(EngineOptions(lang="de"), True, builder(stubs))
    assert german == Choice("gtts", ())
    assert engines_speaking("en", build=builder(stubs)) == ["espeak", "gtts"]


def test_the_real_engines_state_their_facts() -> None:
    facts = {
        name: (engine.online, engine.reads_through_espeak, "fa" in engine.languages)
        for name in engine_names()
        for engine in [create_engine(name, EngineOptions())]
    }
    assert facts == {
        "piper": (False, True, True), "edge": (True, False, True),
        "espeak": (False, True, True), "gtts": (True, False, False),
    }
    assert engines_speaking("fa") == ["piper", "edge", "espeak"]
    assert "en" in create_engine("gtts", EngineOptions(lang="en")).languages
    assert "en" in create_engine("espeak", EngineOptions()).languages
    assert create_engine("espeak", EngineOptions(voice="fa")).voice_label == "fa"
    assert create_engine("edge", EngineOptions(voice="fa-IR-FaridNeural")).voice_label == "fa-IR-FaridNeural"
    assert create_engine("gtts", EngineOptions(lang="en", voice="co.uk")).voice_label == "co.uk"
    assert create_engine("espeak", EngineOptions()).probe() is None  # offline: nothing to reach


def test_the_cache_forwards_the_engines_facts(tmp_path: Path) -> None:
    inner = Stub("edge", online=True, reads_through_espeak=True, unreachable="down")
    cached = CachedEngine(inner, ClipCache(tmp_path))
    assert (cached.online, cached.reads_through_espeak, cached.languages) == (True, True, frozenset({"fa"}))
    assert cached.voice_label == "edge" and cached.probe() == "down" and inner.probed == 1


def test_edge_only_when_online_is_allowed_and_reachable() -> None:
    stubs = stubs_like_the_real_engines(piper="no voice")
    offline = choose_engine(EngineOptions(), False, builder(stubs))
    assert offline.name == "espeak" and stubs["edge"].probed == 0
    assert any("online engines are off" in p for p in offline.passed_over)
    assert choose_engine(EngineOptions(), True, builder(stubs)).name == "edge"
    stubs["edge"].unreachable = "no answer"
    choice = choose_engine(EngineOptions(), True, builder(stubs))
    assert choice.name == "espeak" and "edge: no answer" in choice.passed_over


def test_auto_says_which_engine_it_used(tmp_path: Path, seed: Path) -> None:
    err = io.StringIO()
    code = main(["narrate", str(seed), "-o", str(tmp_path), "--no-cache"], stdout=io.StringIO(), stderr=err)
    assert code == 0
    lines = err.getvalue().splitlines()
    (line,) = [x for x in lines if "engine" in x]
    assert line.startswith("narrator: engine espeak (auto") and len(line) < 100
    err = io.StringIO()  # -v says why the others were passed over, after the choice
    argv = ["narrate", str(seed), "-o", str(tmp_path / "again"), "--no-cache", "-v"]
    assert main(argv, stdout=io.StringIO(), stderr=err) == 0
    assert "passed over piper" in err.getvalue()


def test_explicit_engine_never_falls_back(tmp_path: Path, seed: Path) -> None:
    err = io.StringIO()
    code = main(["narrate", str(seed), "--engine", "piper", "-o", str(tmp_path)], stderr=err)
    assert code == 1 and "engine 'piper' cannot be used" in err.getvalue()
    assert list(tmp_path.iterdir()) == []


def test_rate_is_a_percent_for_espeak() -> None:
    assert words_per_minute(None) == 175 and words_per_minute(100) == 350
    with pytest.raises(InputError, match="out of range"):
        words_per_minute(500)


def test_engines_command_lists_every_engine() -> None:
    out = io.StringIO()
    assert main(["engines"], stdout=out) == 0
    text = out.getvalue()
    lines = [line.split("\t")[0] for line in text.splitlines() if not line.startswith(" ")]
    assert lines == ["piper", "edge", "espeak", "gtts", "auto"]
    for name in ["espeak\tusable", "piper\t", "edge\t", "gtts\tunusable", "auto\t"]:
        assert name in text


def test_say_speaks_a_short_text_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "try.mp3"
    out = io.StringIO()
    code = main(["say", "سلام، این صدای آزمایشی است.", "-o", str(target), "--engine", "espeak"],
                stdout=out, stderr=io.StringIO())
    assert code == 0 and out.getvalue().strip() == str(target)
    from tests.audio_check import decode_mp3

    assert len(decode_mp3(target)) > 44100  # more than a second of speech


def test_say_refuses_text_without_persian(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["say", "hello", "-o", str(tmp_path / "x.mp3")], stderr=err) == 1
    assert "no Persian letters" in err.getvalue() and not (tmp_path / "x.mp3").exists()

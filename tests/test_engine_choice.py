"""``--engine auto``: the first engine that works now, online engines only when allowed."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from narrator.cli import main
from narrator.engines.base import Engine, EngineOptions
from narrator.engines.espeak import words_per_minute
from narrator.engines.registry import choose_engine
from narrator.errors import InputError
from narrator.model import Clip


@dataclass
class Stub:
    """An engine whose availability and reachability are set by the test."""

    name: str
    reason: str | None = None
    unreachable: str | None = None
    max_chars: int = 100
    probed: int = 0

    def available(self) -> str | None:
        return self.reason

    def reachable(self) -> str | None:
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


def test_piper_first_when_a_voice_is_installed() -> None:
    stubs = {"piper": Stub("piper"), "edge": Stub("edge"), "espeak": Stub("espeak")}
    assert choose_engine(EngineOptions(), True, builder(stubs)).name == "piper"


def test_edge_only_when_online_is_allowed_and_reachable() -> None:
    stubs = {"piper": Stub("piper", reason="no voice"), "edge": Stub("edge"), "espeak": Stub("espeak")}
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

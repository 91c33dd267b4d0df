"""Engine names, how to build each engine, and what ``--engine auto`` picks.

Engine libraries are imported lazily: only the engine asked for is loaded. What an engine is
(online, its languages) is asked of the engine itself.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import cast

from narrator.engines.base import Engine, EngineOptions, primary_language
from narrator.errors import EngineUnavailable, UnknownEngine
from narrator.record import record

#: name -> "module:factory", best voice first: ``auto`` takes the first engine that speaks the
#: language and can speak now. The module is imported only when the engine is asked for.
_ENGINES: dict[str, str] = {
    "piper": "narrator.engines.piper:PiperEngine",
    "edge": "narrator.engines.edge:EdgeEngine",
    "espeak": "narrator.engines.espeak:EspeakEngine",
    "gtts": "narrator.engines.gtts:GttsEngine",
}

AUTO = "auto"
DEFAULT_ENGINE = AUTO
ONLINE_ENV = "NARRATOR_ONLINE"

Build = Callable[[str, EngineOptions], Engine]


def engine_names() -> list[str]:
    """The names of every known engine, best voice first (as ``narrator engines`` lists them)."""
    return list(_ENGINES)


def create_engine(name: str, options: EngineOptions) -> Engine:
    """Build the engine called ``name``; raise UnknownEngine for a name nobody knows."""
    target = _ENGINES.get(name)
    if target is None:
        known = ", ".join([AUTO, *_ENGINES])
        raise UnknownEngine(f"unknown engine {name!r}; known engines: {known}")
    module_name, attr = target.split(":")
    factory = cast(Callable[[EngineOptions], Engine], getattr(importlib.import_module(module_name), attr))
    return factory(options)


def engines_speaking(
    lang: str, options: EngineOptions | None = None, build: Build = create_engine
) -> list[str]:
    """The engines whose ``languages`` hold ``lang``, best first (``auto``'s candidates)."""
    settings = options or EngineOptions(lang=lang)
    wanted = primary_language(lang)
    return [name for name in _ENGINES if wanted in build(name, settings).languages]


def online_allowed() -> bool:
    """Whether ``auto`` may pick an online engine (``NARRATOR_ONLINE=1``)."""
    return os.environ.get(ONLINE_ENV, "").strip().lower() in {"1", "yes", "true", "on"}


@record
class Choice:
    """The engine ``auto`` picked, and why each better one was passed over."""

    name: str
    passed_over: tuple[str, ...]


def choose_engine(options: EngineOptions, allow_online: bool, build: Build = create_engine) -> Choice:
    """The first engine that speaks ``options.lang`` and can speak now: available, and for an
    online engine allowed and answering its probe. The last candidate (espeak for Persian) is
    taken when none can.

    Engines are asked in order and only until one can speak: an engine after the one chosen is
    not even asked its languages (gTTS's list costs an import of gTTS).
    """
    wanted = primary_language(options.lang)
    passed: list[str] = []
    for name in _ENGINES:
        engine = build(name, options)
        if wanted not in engine.languages:
            continue
        if engine.online and not allow_online:
            passed.append(f"{name}: online engines are off (set {ONLINE_ENV}=1 to allow them)")
            continue
        reason = engine.available()
        if reason is None:
            reason = engine.probe()
        if reason is None:
            return Choice(name, tuple(passed))
        passed.append(f"{name}: {reason}")
    candidates = engines_speaking(options.lang, options, build)
    if not candidates:
        raise EngineUnavailable(f"no engine speaks the language {options.lang!r}")
    return Choice(candidates[-1], tuple(passed))

"""Engine names, how to build each engine, and what ``--engine auto`` picks.

Engine libraries are imported lazily: only the engine asked for is loaded.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from narrator.engines.base import Engine, EngineOptions
from narrator.errors import UnknownEngine

# name -> "module:factory"; the module is imported only when the engine is asked for.
_ENGINES: dict[str, str] = {
    "espeak": "narrator.engines.espeak:EspeakEngine",
    "piper": "narrator.engines.piper:PiperEngine",
    "edge": "narrator.engines.edge:EdgeEngine",
    "gtts": "narrator.engines.gtts:GttsEngine",
}

AUTO = "auto"
DEFAULT_ENGINE = AUTO
ONLINE_ENV = "NARRATOR_ONLINE"
#: ``--engine auto`` tries these in order and takes the first that works now. edge is tried only
#: when the user allows online engines (the article's text is sent to Microsoft).
AUTO_ORDER = ("piper", "edge", "espeak")
ONLINE_ENGINES = frozenset({"edge", "gtts"})


def engine_names() -> list[str]:
    """The names of every known engine, in the order ``narrator engines`` lists them."""
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


def online_allowed() -> bool:
    """Whether ``auto`` may pick an online engine (``NARRATOR_ONLINE=1``)."""
    return os.environ.get(ONLINE_ENV, "").strip().lower() in {"1", "yes", "true", "on"}


@dataclass(frozen=True)
class Choice:
    """The engine ``auto`` picked, and why each better one was passed over."""

    name: str
    passed_over: tuple[str, ...]


def choose_engine(
    options: EngineOptions,
    allow_online: bool,
    build: Callable[[str, EngineOptions], Engine] = create_engine,
) -> Choice:
    """The first engine of AUTO_ORDER that can speak now (espeak, the last, always can)."""
    passed: list[str] = []
    for name in AUTO_ORDER:
        if name in ONLINE_ENGINES and not allow_online:
            passed.append(f"{name}: online engines are off (set {ONLINE_ENV}=1 to allow them)")
            continue
        engine = build(name, options)
        reason = engine.available()
        if reason is None and name in ONLINE_ENGINES:
            probe = getattr(engine, "reachable", None)
            reason = probe() if callable(probe) else None
        if reason is None:
            return Choice(name, tuple(passed))
        passed.append(f"{name}: {reason}")
    return Choice(AUTO_ORDER[-1], tuple(passed))

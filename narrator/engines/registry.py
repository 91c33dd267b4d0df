"""Engine names and how to build each engine; engine libraries are imported lazily."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from narrator.engines.base import Engine, EngineOptions
from narrator.errors import UnknownEngine

# name -> "module:factory"; the module is imported only when the engine is asked for.
_ENGINES: dict[str, str] = {
    "espeak": "narrator.engines.espeak:EspeakEngine",
    "gtts": "narrator.engines.gtts:GttsEngine",
}

DEFAULT_ENGINE = "espeak"


def engine_names() -> list[str]:
    """The names of every known engine, in the order ``narrator engines`` lists them."""
    return list(_ENGINES)


def create_engine(name: str, options: EngineOptions) -> Engine:
    """Build the engine called ``name``; raise UnknownEngine for a name nobody knows."""
    target = _ENGINES.get(name)
    if target is None:
        known = ", ".join(_ENGINES)
        raise UnknownEngine(f"unknown engine {name!r}; known engines: {known}")
    module_name, attr = target.split(":")
    factory = cast(Callable[[EngineOptions], Engine], getattr(importlib.import_module(module_name), attr))
    return factory(options)

"""The interface every speech engine implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from narrator.model import Clip

#: Engines that can speak Persian, named in messages that turn a user towards them.
PERSIAN_ENGINES = ("piper", "edge", "espeak")


@dataclass(frozen=True)
class EngineOptions:
    """Settings a user may give any engine; each engine reads the ones it understands."""

    voice: str | None = None
    lang: str = "fa"
    rate: int | None = None  # percent change of speed: +25 is a quarter faster
    pitch: int | None = None  # change of pitch: Hz for edge, steps of espeak's 0-100 scale for espeak
    timeout: float = 10.0
    retries: int = 3
    base_url: str | None = None


class Engine(Protocol):
    """Turns text into PCM audio."""

    @property
    def name(self) -> str:
        """The engine's registry name."""

    @property
    def max_chars(self) -> int:
        """The longest text ``synthesize`` accepts in one call."""

    def available(self) -> str | None:
        """None when the engine can speak here and now, else why it cannot."""

    def settings_key(self) -> str:
        """Everything besides the text that changes the audio (for the synthesis cache)."""

    def synthesize(self, text: str) -> Clip:
        """Speak ``text`` (at most ``max_chars`` characters) and return its audio."""

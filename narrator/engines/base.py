"""The interface every speech engine implements, facts included: the registry and the CLI ask the
engine (is it online, which languages, does espeak-ng read for it, which voice) instead of keeping
lists of engine names."""

from __future__ import annotations

from typing import Protocol

from narrator.model import Clip
from narrator.record import record


@record
class EngineOptions:
    """Settings a user may give any engine; each engine reads the ones it understands."""

    voice: str | None = None
    lang: str = "fa"
    rate: int | None = None  # percent change of speed: +25 is a quarter faster
    pitch: int | None = None  # change of pitch: Hz for edge, steps of espeak's 0-100 scale for espeak
    timeout: float = 10.0
    retries: int = 3


def primary_language(tag: str) -> str:
    """The primary subtag of a language tag, lower-case: what ``Engine.languages`` holds.

    >>> primary_language("fa-IR"), primary_language("EN_us")
    ('fa', 'en')
    """
    return tag.strip().lower().replace("_", "-").split("-")[0]


class Engine(Protocol):
    """Turns text into PCM audio, and says what kind of engine it is."""

    @property
    def name(self) -> str:
        """The engine's registry name."""

    @property
    def max_chars(self) -> int:
        """The longest text ``synthesize`` accepts in one call."""

    @property
    def online(self) -> bool:
        """True when the text is sent over the network to be spoken."""

    @property
    def languages(self) -> frozenset[str]:
        """Primary language subtags (``fa``, ``en``) the engine can speak with its settings."""

    @property
    def reads_through_espeak(self) -> bool:
        """True when espeak-ng turns the text into sounds, so narrator marks the ezafe for it."""

    @property
    def voice_label(self) -> str:
        """The voice heard, as tags and manifests name it."""

    def available(self) -> str | None:
        """None when the engine can speak here with its settings, else why not; no network."""

    def probe(self) -> str | None:
        """None when the engine answers now, else why not: one cheap, time-bounded request for
        an online engine, nothing for an offline one."""

    def settings_key(self) -> str:
        """Everything besides the text that changes the audio (for the synthesis cache)."""

    def synthesize(self, text: str) -> Clip:
        """Speak ``text`` (at most ``max_chars`` characters) and return its audio."""

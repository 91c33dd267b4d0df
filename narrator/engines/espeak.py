"""espeak-ng in-process, through the libespeak-ng that the espeakng-loader wheel ships."""

from __future__ import annotations

from dataclasses import dataclass

from narrator.engines.base import EngineOptions
from narrator.errors import EngineError
from narrator.espeak_lib import RATE_RANGE, phonemize, words_per_minute
from narrator.espeak_lib import load as _load
from narrator.model import Clip

__all__ = ["RATE_RANGE", "EspeakEngine", "phonemize", "words_per_minute"]


@dataclass
class EspeakEngine:
    """The offline default: espeak-ng's Persian voice."""

    options: EngineOptions
    name: str = "espeak"
    max_chars: int = 4000

    @property
    def voice(self) -> str:
        return self.options.voice or self.options.lang or "fa"

    def available(self) -> str | None:
        try:
            library = _load()
            with library.lock:
                library.set_voice(self.voice, self.options.rate, self.options.pitch)
        except (OSError, ImportError) as exc:
            return f"libespeak-ng did not load: {exc}"
        except EngineError as exc:
            return str(exc)
        return None

    def settings_key(self) -> str:
        return f"espeak|{self.voice}|rate={self.options.rate}|pitch={self.options.pitch}"

    def synthesize(self, text: str) -> Clip:
        library = _load()
        with library.lock:
            library.set_voice(self.voice, self.options.rate, self.options.pitch)
            pcm = library.synth(text)
        return Clip(pcm=pcm, sample_rate=library.sample_rate)

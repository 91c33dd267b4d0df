"""espeak-ng in-process, through the libespeak-ng that the espeakng-loader wheel ships
(loaded by the shared :mod:`narrator.espeak_lib`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from narrator.engines.base import EngineOptions, primary_language
from narrator.engines.espeak_fresh import fresh_pool, fresh_synth
from narrator.engines.espeak_serve import Request
from narrator.errors import EngineError
from narrator.espeak_lib import RATE_RANGE, phonemize, words_per_minute
from narrator.espeak_lib import load as _load
from narrator.model import Clip, WordTime

__all__ = ["RATE_RANGE", "EspeakEngine", "espeak_languages", "phonemize", "word_times", "words_per_minute"]


def word_times(text: str, starts: list[tuple[int, int, int]], duration_ms: int) -> tuple[WordTime, ...]:
    """Word times from espeak's word events (character position from 1, length, ms): each word
    lasts until the next one starts, the last until the end of the audio.

    >>> word_times("سلام دنیا", [(1, 4, 10), (6, 4, 500)], 900)[1]
    WordTime(text='دنیا', start_ms=500, end_ms=900)
    """
    times: list[WordTime] = []
    for index, (position, length, start) in enumerate(starts):
        end = starts[index + 1][2] if index + 1 < len(starts) else duration_ms
        word = text[position - 1 : position - 1 + length]
        begin = min(start, duration_ms)
        times.append(WordTime(word, begin, max(min(end, duration_ms), begin)))
    return tuple(times)


@lru_cache(maxsize=1)
def espeak_languages() -> frozenset[str]:
    """The languages espeak-ng's data has a voice for (its ``lang`` folder), as primary subtags."""
    try:
        import espeakng_loader

        root = os.path.join(espeakng_loader.get_data_path(), "lang")
    except ImportError:
        return frozenset()
    return frozenset(primary_language(name) for _, _, names in os.walk(root) for name in names)


@dataclass
class EspeakEngine:
    """The offline default: espeak-ng's Persian voice."""

    options: EngineOptions
    name: str = "espeak"
    max_chars: int = 4000
    _voice_checked: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def voice(self) -> str:
        return self.options.voice or self.options.lang or "fa"

    @property
    def online(self) -> bool:
        return False

    @property
    def languages(self) -> frozenset[str]:
        return espeak_languages()

    @property
    def reads_through_espeak(self) -> bool:
        return True

    @property
    def voice_label(self) -> str:
        return self.voice

    def probe(self) -> str | None:
        """Nothing to reach: espeak-ng runs in this process."""
        return None

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

    def warm_up(self) -> None:
        """Start a synthesis helper now, so it is ready when the first sentence is (it loads
        libespeak-ng while the text is prepared); more start as sentences wait for one. One, not
        one per core: a re-narration after an edit needs one, and on two cores a second helper
        starting took CPU from the text preparation that runs meanwhile."""
        fresh_pool().warm(Request(self.voice, self.options.rate, self.options.pitch, ""), 1)

    def settings_key(self) -> str:
        return f"espeak|{self.voice}|rate={self.options.rate}|pitch={self.options.pitch}|words"

    def synthesize(self, text: str) -> Clip:

        library = _load()
        if not self._voice_checked:  # an unknown voice is EngineUnavailable, said here
            with library.lock:
                library.set_voice(self.voice, self.options.rate, self.options.pitch)
            self._voice_checked = True
        pcm, events = fresh_synth(self.voice, self.options.rate, self.options.pitch, text)
        clip = Clip(pcm=pcm, sample_rate=library.sample_rate)
        return Clip(pcm=pcm, sample_rate=clip.sample_rate, words=word_times(text, events, clip.duration_ms))

"""A deterministic fake voice: a tone whose length follows the text, so timings are exact."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from narrator.model import Clip, WordTime

MS_PER_CHAR = 10


@dataclass
class ToneEngine:
    """Speaks every character as ``MS_PER_CHAR`` ms of a 440 Hz tone at ``sample_rate``."""

    sample_rate: int = 16000
    name: str = "tone"
    max_chars: int = 1000
    spoken: list[str] = field(default_factory=list)
    online: bool = False
    languages: frozenset[str] = frozenset({"fa"})
    reads_through_espeak: bool = False
    voice_label: str = "fa"

    def available(self) -> str | None:
        return None

    def probe(self) -> str | None:
        return None

    def settings_key(self) -> str:
        return f"tone|{self.sample_rate}"

    def synthesize(self, text: str) -> Clip:
        self.spoken.append(text)
        frames = self.sample_rate * MS_PER_CHAR * len(text) // 1000
        t = np.arange(frames) / self.sample_rate
        tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
        return Clip(pcm=tone.tobytes(), sample_rate=self.sample_rate)

    @staticmethod
    def duration_ms(text: str) -> int:
        return MS_PER_CHAR * len(text)


WORD_GAP_MS = 120


@dataclass
class WordToneEngine(ToneEngine):
    """Like :class:`ToneEngine`, but each word is its own tone with a pause after it, and the clip
    reports every word's time, as piper, edge and espeak do."""

    name: str = "wordtone"

    def settings_key(self) -> str:
        return f"wordtone|{self.sample_rate}"

    def synthesize(self, text: str) -> Clip:
        pieces: list[np.ndarray] = []
        words: list[WordTime] = []
        at = 0
        for word in text.split():
            frames = self.sample_rate * MS_PER_CHAR * len(word) // 1000
            t = np.arange(frames) / self.sample_rate
            pieces.append((8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2"))
            start = at * 1000 // self.sample_rate
            at += frames
            words.append(WordTime(word, start, at * 1000 // self.sample_rate))
            gap = self.sample_rate * WORD_GAP_MS // 1000
            pieces.append(np.zeros(gap, dtype="<i2"))
            at += gap
        pcm = np.concatenate(pieces).tobytes() if pieces else b""
        return Clip(pcm=pcm, sample_rate=self.sample_rate, words=tuple(words))

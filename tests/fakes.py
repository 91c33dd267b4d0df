"""A deterministic fake voice: a tone whose length follows the text, so timings are exact."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from narrator.model import Clip

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

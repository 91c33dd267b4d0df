"""Small operations on mono 16-bit PCM clips: resampling, trimming silence, making silence."""

from __future__ import annotations

import numpy as np

from narrator.model import Clip

SILENCE_THRESHOLD = 200  # absolute sample value (about -44 dBFS) under which audio counts as silence
_KEEP_MS = 30  # silence kept at each edge of a trimmed clip, so word onsets are not clipped


def samples(clip: Clip) -> np.ndarray:
    """The clip's samples as an int16 array (a view, no copy)."""
    return np.frombuffer(clip.pcm, dtype="<i2")


def resample(clip: Clip, rate: int) -> Clip:
    """The clip at ``rate`` Hz, by linear interpolation (engines here are 16-24 kHz speech)."""
    if clip.sample_rate == rate or not clip.pcm:
        return clip
    src = samples(clip).astype(np.float64)
    count = round(len(src) * rate / clip.sample_rate)
    positions = np.arange(count) * (clip.sample_rate / rate)
    out = np.interp(positions, np.arange(len(src)), src)
    pcm = np.clip(np.rint(out), -32768, 32767).astype("<i2").tobytes()
    return Clip(pcm=pcm, sample_rate=rate, words=clip.words)


def trim_silence(clip: Clip) -> Clip:
    """The clip without the silence an engine leaves at its start and end (word times kept aligned)."""
    data = samples(clip)
    loud = (data > SILENCE_THRESHOLD) | (data < -SILENCE_THRESHOLD)
    if not loud.any():
        return Clip(pcm=b"", sample_rate=clip.sample_rate)
    keep = clip.sample_rate * _KEEP_MS // 1000
    start = max(0, int(loud.argmax()) - keep)  # the first loud sample, and one past the last
    end = min(len(data), len(data) - int(loud[::-1].argmax()) + keep)
    if start == 0 and end == len(data):
        return clip
    shift_ms = start * 1000 // clip.sample_rate
    limit_ms = (end - start) * 1000 // clip.sample_rate

    def shifted(ms: int) -> int:
        return min(max(0, ms - shift_ms), limit_ms)

    words = tuple(type(w)(w.text, shifted(w.start_ms), shifted(w.end_ms)) for w in clip.words)
    return Clip(pcm=data[start:end].tobytes(), sample_rate=clip.sample_rate, words=words)


def silence(ms: int, rate: int) -> bytes:
    """``ms`` milliseconds of digital silence at ``rate`` Hz."""
    return bytes(2 * (rate * ms // 1000))

"""Small operations on mono 16-bit PCM clips: resampling, trimming silence, making silence."""

from __future__ import annotations

import numpy as np

from narrator.model import Clip

SILENCE_THRESHOLD = 200  # absolute sample value (about -44 dBFS) under which audio counts as silence
_KEEP_MS = 30  # silence kept at each edge of a trimmed clip, so word onsets are not clipped
_STEP = 4096  # samples looked at a time from each edge when searching for the first loud one


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
    first = _first_loud(data)
    if first is None:
        return Clip(pcm=b"", sample_rate=clip.sample_rate)
    keep = clip.sample_rate * _KEEP_MS // 1000
    start = max(0, first - keep)  # the first loud sample, and one past the last
    end = min(len(data), len(data) - (_first_loud(data[::-1]) or 0) + keep)  # it has a loud sample
    if start == 0 and end == len(data):
        return clip
    shift_ms = start * 1000 // clip.sample_rate
    limit_ms = (end - start) * 1000 // clip.sample_rate

    def shifted(ms: int) -> int:
        return min(max(0, ms - shift_ms), limit_ms)

    words = tuple(type(w)(w.text, shifted(w.start_ms), shifted(w.end_ms)) for w in clip.words)
    return Clip(pcm=data[start:end].tobytes(), sample_rate=clip.sample_rate, words=words)


def _first_loud(data: np.ndarray) -> int | None:
    """Where the first sample louder than silence is in ``data`` (None: nowhere). Searched from the
    start a few thousand samples at a time: a clip's leading silence is short, so this reads a
    little of it, not the whole clip (trimming is called on every clip, twice when words are timed)."""
    for lo in range(0, len(data), _STEP):
        piece = data[lo : lo + _STEP]
        loud = (piece > SILENCE_THRESHOLD) | (piece < -SILENCE_THRESHOLD)
        if loud.any():
            return lo + int(loud.argmax())
    return None


def silence(ms: int, rate: int) -> bytes:
    """``ms`` milliseconds of digital silence at ``rate`` Hz."""
    return bytes(2 * (rate * ms // 1000))

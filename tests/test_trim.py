"""Trimming an engine's silence: the first and last loud samples, with a little silence kept."""

from __future__ import annotations

import numpy as np
import pytest

from narrator.audio.pcm import SILENCE_THRESHOLD, trim_silence
from narrator.model import Clip, WordTime


def reference_bounds(data: np.ndarray, rate: int) -> tuple[int, int] | None:
    loud = np.flatnonzero(np.abs(data.astype(np.int64)) > SILENCE_THRESHOLD)
    if len(loud) == 0:
        return None
    keep = rate * 30 // 1000
    return max(0, int(loud[0]) - keep), min(len(data), int(loud[-1]) + 1 + keep)


@pytest.mark.parametrize("seed", range(20))
def test_trim_keeps_exactly_the_loud_span_and_its_margins(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rate = 22050
    data = (rng.standard_normal(int(rng.integers(1, 20000))) * rng.choice([50, 150, 3000])).astype("<i2")
    if seed % 4 == 0:
        data[int(rng.integers(0, len(data)))] = -32768  # the one value whose magnitude int16 cannot hold
    if seed % 5 == 0:
        data[:] = 0
    if seed % 3 == 0:  # silence longer than one search step (4,096 samples) at either edge, or both
        before, after = (np.zeros(int(rng.integers(0, 12000)), "<i2") for _ in range(2))
        data = np.concatenate([before, data, after])
    clip = Clip(data.tobytes(), rate, words=(WordTime("واژه", 100, 300),))
    trimmed = trim_silence(clip)
    bounds = reference_bounds(data, rate)
    if bounds is None:
        assert trimmed.pcm == b""
        return
    start, end = bounds
    assert trimmed.pcm == data[start:end].tobytes()
    shift = start * 1000 // rate
    assert trimmed.words[0].start_ms == min(max(0, 100 - shift), (end - start) * 1000 // rate)

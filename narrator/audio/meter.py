"""Loudness (ITU-R BS.1770-4) of a stream, and the loudness statistics of one clip.

:class:`LoudnessMeter` measures a stream fed in pieces. :func:`clip_level` gives what one
sentence clip contributes to a narration's measurement: the K-weighted energy of each 100 ms
sub-block it covers (its filter ring-out included) and its true peak. The assembler starts every
clip on the 100 ms grid and leaves at least the filter's ring-out of silence before it, and
K-weighting is linear, so the sub-block powers of the whole narration are exactly those of its
clips laid end to end with zeros between them (:func:`narration_powers`): the integrated loudness
and the gain follow from cached statistics without reading the audio again.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from narrator.audio.kweight import KWeighting, impulse_response
from narrator.audio.truepeak import PCM_SCALE, TruePeakMeter, pcm_true_peak
from narrator.blobcache import BlobCache
from narrator.record import record

Samples = npt.NDArray[np.float64]

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
SUBBLOCK_S = 0.1  # gating blocks are 400 ms long and overlap by 75 %: four 100 ms sub-blocks
LEVEL_KIND = "cliplevel"
#: Names the statistics' arithmetic in cache keys (clip levels, limited levels).
LEVEL_VERSION = "3"


def subblock_frames(rate: int) -> int:
    """Frames in one 100 ms sub-block at ``rate`` Hz."""
    return round(rate * SUBBLOCK_S)


def ring_out_frames(rate: int) -> int:
    """Frames after a clip's last sample in which its K-weighted signal is not yet negligible."""
    return len(impulse_response(rate)) - 1


def power_to_lufs(power: float) -> float:
    """Loudness in LUFS of a mean square of K-weighted samples (mono)."""
    return -0.691 + 10 * math.log10(power) if power > 0 else -math.inf


def to_db(amplitude: float) -> float:
    """An amplitude relative to full scale, in dB (minus infinity for zero)."""
    return 20 * math.log10(amplitude) if amplitude > 0 else -math.inf


@lru_cache(maxsize=8)
def k_weighting_filter(rate: int) -> KWeighting:
    """One :class:`KWeighting` per rate, shared by every clip and meter (its filtering is pure:
    a meter keeps its own tail), so its FFTs of the taps are made once."""
    return KWeighting(rate)


class LoudnessMeter:
    """Integrated loudness of a mono stream fed in pieces of any size (BS.1770-4 gating).

    Samples are gathered into blocks of the K-weighting filter's FFT size before they are
    filtered, so many small pieces cost no more than a few large ones.
    """

    def __init__(self, rate: int) -> None:
        self._filter = k_weighting_filter(rate)
        self._tail = self._filter.initial_tail()
        self._subblock = round(rate * SUBBLOCK_S)
        self._pending: list[Samples] = []
        self._pending_count = 0
        self._partial_sum = 0.0
        self._partial_count = 0
        self._powers: list[float] = []  # mean square of each complete 100 ms sub-block

    def add(self, x: Samples) -> None:
        """Measure the next samples (floats, full scale = 1.0)."""
        if len(x) == 0:
            return
        self._pending.append(x)
        self._pending_count += len(x)
        if self._pending_count >= self._filter.block:
            pending = np.concatenate(self._pending)
            whole = len(pending) - len(pending) % self._filter.block
            weighted, self._tail = self._filter.apply(pending[:whole], self._tail)
            self._pending = [pending[whole:]] if whole < len(pending) else []
            self._pending_count = len(pending) - whole
            self._partial_sum, self._partial_count = self._collect(
                np.square(weighted), self._partial_sum, self._partial_count, self._powers
            )

    def _collect(
        self, squares: Samples, partial_sum: float, partial_count: int, powers: list[float]
    ) -> tuple[float, int]:
        """Append the mean square of each sub-block that ``squares`` completes to ``powers``.

        Returns the sum and count of the squares of the sub-block left incomplete.
        """
        need = self._subblock - partial_count
        if len(squares) < need:
            return partial_sum + float(squares.sum()), partial_count + len(squares)
        powers.append((partial_sum + float(squares[:need].sum())) / self._subblock)
        start = need
        whole = (len(squares) - start) // self._subblock
        if whole:
            blocks = squares[start : start + whole * self._subblock].reshape(whole, self._subblock)
            powers.extend(blocks.mean(axis=1).tolist())
            start += whole * self._subblock
        rest = squares[start:]
        return float(rest.sum()), len(rest)

    def _all_powers(self) -> list[float]:
        """The sub-block powers, including those of samples still waiting to be filtered."""
        if not self._pending_count:
            return self._powers
        weighted, _ = self._filter.apply(np.concatenate(self._pending), self._tail)
        powers = list(self._powers)
        self._collect(np.square(weighted), self._partial_sum, self._partial_count, powers)
        return powers

    def powers(self) -> list[float]:
        """The mean square of every 100 ms sub-block measured so far (the last one if complete)."""
        return self._all_powers()

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS of everything measured so far (-inf if silent or short)."""
        return gated_loudness(self._all_powers())


def gated_loudness(powers: Sequence[float] | Samples) -> float:
    """BS.1770-4 gated loudness (LUFS) of 100 ms sub-block powers: 400 ms blocks, 75 % overlap."""
    subs = np.array(powers, dtype=np.float64)
    if len(subs) < 4:
        return -math.inf
    blocks = (subs[:-3] + subs[1:-2] + subs[2:-1] + subs[3:]) / 4
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(blocks)
    above = blocks[loudness > ABSOLUTE_GATE_LUFS]
    if len(above) == 0:
        return -math.inf
    relative = power_to_lufs(float(above.mean())) + RELATIVE_GATE_LU
    gated = blocks[(loudness > ABSOLUTE_GATE_LUFS) & (loudness > relative)]
    return power_to_lufs(float(gated.mean())) if len(gated) else -math.inf




@record
class ClipLevel:
    """One clip's loudness statistics: K-weighted sub-block powers from its first sample on
    (ring-out included, the last sub-block padded with silence) and its true peak (amplitude)."""

    powers: tuple[float, ...]
    true_peak: float

    def to_json(self) -> bytes:
        return json.dumps({"powers": list(self.powers), "true_peak": self.true_peak}).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ClipLevel:
        raw = json.loads(data)
        return cls(tuple(float(p) for p in raw["powers"]), float(raw["true_peak"]))


def floats(pcm: bytes) -> Samples:
    """16-bit PCM as floats (full scale = 1.0)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def clip_level(x: Samples, rate: int, peak_bound: float | None = None) -> ClipLevel:
    """The statistics of the clip ``x`` (floats) heard alone at ``rate`` Hz, silence around it.

    A ``peak_bound`` known to hold (a limiter's ceiling) is taken as the true peak unmeasured.
    """
    if not len(x):
        return ClipLevel((), 0.0)
    powers = k_weighting_filter(rate).subblock_powers(x, subblock_frames(rate))
    if peak_bound is not None:
        return ClipLevel(tuple(powers.tolist()), peak_bound)
    peak = TruePeakMeter()
    peak.add(x)
    return ClipLevel(tuple(powers.tolist()), peak.true_peak())


def pcm_level(pcm: bytes, rate: int) -> ClipLevel:
    """:func:`clip_level` of 16-bit PCM, bit for bit, read from the integers (no float copy)."""
    samples = np.frombuffer(pcm, dtype="<i2")
    if not len(samples):
        return ClipLevel((), 0.0)
    powers = k_weighting_filter(rate).subblock_powers(samples, subblock_frames(rate), 1 / PCM_SCALE)
    return ClipLevel(tuple(powers.tolist()), pcm_true_peak(samples))


def pcm_digest(pcm: bytes) -> str:
    """What names a clip's samples in cache keys (its clip level, its limited levels, the MP3
    segments it lies in): their SHA-256, made once per clip and run."""
    return hashlib.sha256(pcm).hexdigest()


def cached_clip_level(pcm: bytes, rate: int, cache: BlobCache | None, digest: str | None = None) -> ClipLevel:
    """:func:`pcm_level`, looked up in ``cache`` by the PCM's hash first (``digest``, if the caller
    has made it already)."""
    if cache is None:  # no hash to make: nothing is looked up or kept
        return pcm_level(pcm, rate)
    key = BlobCache.key("clip-level", LEVEL_VERSION, str(rate), digest or pcm_digest(pcm))
    stored = cache.get(key, LEVEL_KIND)
    if stored is not None:
        try:
            return ClipLevel.from_json(stored)
        except (ValueError, KeyError, TypeError):
            pass  # damaged: measured again
    level = pcm_level(pcm, rate)
    cache.put(key, LEVEL_KIND, level.to_json())
    return level


def narration_powers(
    placed: Sequence[tuple[int, Sequence[float]]], total_frames: int, rate: int
) -> Samples:
    """The sub-block powers of a whole narration from its clips' powers.

    ``placed`` gives each clip's first frame (a multiple of the sub-block) and its powers; clips
    must not share a sub-block (the assembler's silences see to it). Only whole sub-blocks of
    the ``total_frames`` count, as :class:`LoudnessMeter` counts them.
    """
    sub = subblock_frames(rate)
    out = np.zeros(total_frames // sub)
    for start, powers in placed:
        if start % sub:
            raise ValueError("a clip does not start on the 100 ms grid")
        first = start // sub
        values = np.asarray(powers, dtype=np.float64)[: max(0, len(out) - first)]
        if np.any(out[first : first + len(values)]):
            raise ValueError("two clips share a sub-block")
        out[first : first + len(values)] = values
    return out

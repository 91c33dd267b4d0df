"""True peak (ITU-R BS.1770-4 Annex 2) in numpy: 4x oversampling by the standard's 48-tap filter.

The standard's interpolation filter has four phases of 12 taps; between every two samples ``n``
and ``n + 1`` it places four points (at ``n + 1/8``, ``3/8``, ``5/8`` and ``7/8``). The true peak
here is the largest magnitude among those points and the samples themselves (so it is never below
the sample peak), with the signal taken as silent before its first sample and after its last.

Where only the peak is wanted (not a per-sample envelope) most of the work is skipped, exactly:
an interpolated point is at most ``WORST_GAIN`` (the largest sum of one phase's absolute taps)
times the largest sample magnitude among the 12 it is made from, so a block of samples is only
oversampled when that bound can still beat the best peak found so far, and blocks are visited
loudest first.
"""

from __future__ import annotations

from typing import IO, Any

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float64]

#: The four phases of the BS.1770-4 Annex 2 interpolation filter, as printed in the standard:
#: phase ``p`` gives the oversampled signal's sample ``4m + p`` as ``sum(PHASES[p][k] * x[m - k])``.
_PHASE_0 = (
    0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000,
    -0.0594482421875, 0.1373291015625, 0.9721679687500, -0.1022949218750,
    0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500,
)
_PHASE_1 = (
    -0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250,
    -0.1665039062500, 0.4650878906250, 0.7797851562500, -0.2003173828125,
    0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375,
)
PHASES: npt.NDArray[np.float64] = np.array(
    [_PHASE_0, _PHASE_1, _PHASE_1[::-1], _PHASE_0[::-1]], dtype=np.float64
)
PHASES.flags.writeable = False
TAPS = PHASES.shape[1]
_REVERSED = [tuple(float(tap) for tap in phase[::-1]) for phase in PHASES]  # taps in signal order
_REVERSED_SINGLE = [tuple(np.float32(tap) for tap in phase) for phase in _REVERSED]
#: An interpolated point after sample ``n`` is made from samples ``n - BEFORE`` to ``n + AFTER``.
BEFORE, AFTER = 5, 6
#: No interpolated point is larger than this times the largest sample it is made from.
WORST_GAIN = float(np.abs(PHASES).sum(axis=1).max())
BLOCK = 64  # samples per block where only some blocks are oversampled
_FIRST = 16  # the loudest blocks, oversampled first
_BATCH = 2048  # blocks oversampled at a time after them
_POINTS_CHUNK = 1 << 15  # points made at a time: four arrays of this many stay in a core's L2 cache
PCM_SCALE = 32768.0  # 16-bit PCM full scale: integer samples over this are the floats measured


def _points(extended: Samples, single: bool = False) -> npt.NDArray[np.floating[Any]]:
    """Per window of ``TAPS`` samples, the largest magnitude of the four points it makes.

    Value ``j`` is that of the points after sample ``j + BEFORE``. Each phase is summed as twelve
    shifted, scaled copies of the signal (whole-array multiply-adds, which numpy vectorizes): twice
    as fast as ``np.convolve``, whose inner loop is a short dot product per output, and no BLAS
    threads (a matrix product's stall when the other core is busy).

    The signal is taken ``_POINTS_CHUNK`` points at a time: 48 passes over arrays that stay in
    the cache run almost twice as fast as over arrays of the whole signal.

    ``single`` computes in float32, twice as fast, to about 1e-6 of full scale: what the limiter
    uses to find where to act (true-peak measurements keep float64). Each point is the same sequence of
    operations on the same values wherever the samples lie in ``extended``, so a clip's points are
    identical whether computed whole or in windows, in either precision.
    """
    count = len(extended) - TAPS + 1
    dtype = np.float32 if single else np.float64
    result = np.zeros(max(0, count), dtype)
    if count <= 0:
        return result
    source = extended.astype(dtype, copy=False)
    size = min(count, _POINTS_CHUNK)
    total, term = np.empty(size, dtype), np.empty(size, dtype)
    taps = _REVERSED_SINGLE if single else _REVERSED
    for start in range(0, count, size):  # a piece at a time: its arrays stay in the CPU's cache
        n = min(size, count - start)
        piece, best, sum_, product = source[start : start + n + TAPS - 1], result[start : start + n], \
            total[:n], term[:n]
        for phase in taps:
            np.multiply(piece[:n], phase[0], out=sum_)
            for k in range(1, TAPS):
                np.multiply(piece[k : k + n], phase[k], out=product)
                sum_ += product
            np.abs(sum_, out=sum_)
            np.maximum(best, sum_, out=best)
    return result


def envelope(extended: Samples, single: bool = False) -> Samples:
    """Per sample, the largest magnitude of it and the four interpolated points after it.

    ``extended`` carries ``BEFORE`` samples of context before and ``AFTER`` after; the result has
    one value for each sample between them. ``single``: the points in float32 (see :func:`_points`).
    """
    count = len(extended) - BEFORE - AFTER
    if count <= 0:
        return np.zeros(0)
    result: Samples = np.maximum(_points(extended, single), np.abs(extended[BEFORE : BEFORE + count]))
    return result


def peak_above(extended: Samples, floor: float) -> float:
    """``max(floor, envelope(extended).max())``, oversampling only blocks that could pass ``floor``.

    The loudest few blocks first (they set a high bar), then, at once, every block that can
    still pass it.
    """
    count = len(extended) - BEFORE - AFTER
    if count <= 0:
        return floor
    best = max(floor, float(np.abs(extended[BEFORE : BEFORE + count]).max()))
    blocks = -(-count // BLOCK)
    source = extended
    if len(source) < blocks * BLOCK + BEFORE + AFTER:  # the last block runs past the samples
        source = np.zeros(blocks * BLOCK + BEFORE + AFTER)
        source[: len(extended)] = extended
    return _search(source, block_bounds(extended, blocks), best, count)


def pcm_true_peak(pcm: npt.NDArray[np.int16]) -> float:
    """The true peak of 16-bit samples (silence around them) as a fraction of full scale: what
    :class:`TruePeakMeter` finds in them as floats, bit for bit, with the block bounds and the
    sample peak taken on the integers (no float copy of the clip is made)."""
    if not len(pcm):
        return 0.0
    source, magnitude = block_magnitudes(pcm)
    scale = 1 / PCM_SCALE
    return _search(source, magnitude_bounds(magnitude, scale), int(magnitude.max()) * scale, len(pcm), scale)


def block_magnitudes(x: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """``x`` laid out as :func:`block_envelopes` takes it (``BEFORE`` samples of silence first,
    silence after, ``BLOCK + 1`` whole blocks), and the largest magnitude in each block of it.

    Taken as the largest and the negated smallest value (no array of magnitudes is made); 16-bit
    samples are compared as integers. What :func:`block_bounds` finds, before its scaling.
    """
    blocks = -(-len(x) // BLOCK)
    source = np.zeros((blocks + 1) * BLOCK, x.dtype)
    source[BEFORE : BEFORE + len(x)] = x
    rows = source.reshape(blocks + 1, BLOCK)
    wide = np.int32 if x.dtype == np.int16 else x.dtype  # -(-32768) overflows 16 bits
    magnitude = np.maximum(rows.max(axis=1).astype(wide), -rows.min(axis=1).astype(wide))
    return source, magnitude


def magnitude_bounds(magnitude: npt.NDArray[Any], scale: float) -> Samples:
    """:func:`block_bounds` of ``scale`` times the samples whose :func:`block_magnitudes` are
    ``magnitude``: a block's points come from it and the next, so the larger of the two, times
    ``WORST_GAIN`` (scaled first, as a scaled array's magnitudes would be)."""
    bound: Samples = np.maximum(magnitude[:-1], magnitude[1:]) * scale * WORST_GAIN
    return bound


def _search(source: npt.NDArray[Any], bound: Samples, best: float, count: int, scale: float = 1.0) -> float:
    """The largest of ``best`` and the envelope of the blocks of ``scale * source`` whose ``bound``
    passes it: the loudest few blocks first (they set a high bar), then every block that can still
    pass."""
    candidates = np.flatnonzero(bound > best)
    if not len(candidates):
        return best
    if len(candidates) > _FIRST:
        loudest = np.argpartition(-bound[candidates], _FIRST)[:_FIRST]
        best = max(best, _block_peak(source, candidates[loudest], count, scale))
        candidates = candidates[bound[candidates] > best]
    for start in range(0, len(candidates), _BATCH):
        best = max(best, _block_peak(source, candidates[start : start + _BATCH], count, scale))
    return best


def block_bounds(source: Samples, blocks: int) -> Samples:
    """For each of the first ``blocks`` ``BLOCK``-sample blocks of ``source`` (laid out as
    :func:`block_envelopes` takes it: ``BEFORE`` samples of context first), a bound on its
    envelope: ``WORST_GAIN`` times the largest magnitude its points are made from.

    Block ``b``'s points come from ``source[b*B : b*B + B + BEFORE + AFTER]``, inside blocks ``b``
    and ``b + 1`` of it; samples past the end of ``source`` count as silence.
    """
    padded = np.zeros((blocks + 1) * BLOCK)
    have = min(len(source), len(padded))
    padded[:have] = np.abs(source[:have])
    return magnitude_bounds(padded.reshape(blocks + 1, BLOCK).max(axis=1), 1.0)


def block_envelopes(
    source: npt.NDArray[Any], batch: npt.NDArray[np.intp], single: bool = False, scale: float = 1.0
) -> Samples:
    """:func:`envelope` of the ``BLOCK``-sample blocks ``batch`` of ``scale * source`` (which
    carries ``BEFORE`` samples of context first and enough after the last block): one row per
    block. ``single``: the points in float32 (see :func:`_points`). Only the blocks' windows are
    scaled (and made floats, from 16-bit samples): a value is ``source[i] * scale`` as a whole
    scaled array would hold it.

    The blocks' windows are laid end to end and filtered in one pass; points made across two
    windows are dropped.
    """
    width = BLOCK + BEFORE + AFTER
    windows = np.lib.stride_tricks.sliding_window_view(source, width)[::BLOCK][batch]  # a copy
    if scale != 1.0 or windows.dtype != np.float64:
        windows = windows * scale
    flat = windows.ravel()
    points = np.zeros(len(flat))
    points[: len(flat) - TAPS + 1] = _points(flat, single)
    rows: Samples = points.reshape(len(batch), width)[:, :BLOCK]
    found: Samples = np.maximum(rows, np.abs(windows[:, BEFORE : BEFORE + BLOCK]))
    return found


def _block_peak(
    source: npt.NDArray[Any], batch: npt.NDArray[np.intp], count: int, scale: float = 1.0
) -> float:
    """The largest value of :func:`envelope` in blocks ``batch`` (only its first ``count`` values)."""
    rows = block_envelopes(source, batch, scale=scale)
    if int(batch.max()) * BLOCK + BLOCK > count:  # the last block: its points past the samples
        rows[batch[:, None] * BLOCK + np.arange(BLOCK) >= count] = 0.0
    return float(rows.max())


class TruePeakMeter:
    """True peak of a stream fed in pieces of any size.

    With ``envelope`` given, the per-sample :func:`envelope` is also written there (float32), one
    value per sample fed, once :meth:`true_peak` has been called; without it the peak alone is
    found, oversampling only where it can matter.
    """

    def __init__(self, envelope: IO[bytes] | None = None, chunk: int = 1 << 16) -> None:
        # The signal is silent before its first sample (and the points just before it count).
        self._context: Samples = np.zeros(BEFORE + AFTER)
        self._position = -AFTER  # the sample that the next envelope value belongs to
        self._fed = 0
        self._pending: list[Samples] = []
        self._pending_count = 0
        self._envelope = envelope
        self._chunk = chunk
        self._done = False
        self.peak = 0.0

    def add(self, x: Samples) -> None:
        """Measure the next samples (floats, full scale = 1.0)."""
        if self._done:
            raise RuntimeError("TruePeakMeter.add called after true_peak")
        if len(x):
            self._pending.append(x)
            self._pending_count += len(x)
            self._fed += len(x)
        if self._pending_count >= self._chunk:
            self._run()

    def _run(self) -> None:
        extended = np.concatenate([self._context, *self._pending])
        self._pending, self._pending_count = [], 0
        count = len(extended) - BEFORE - AFTER
        if self._envelope is None:
            self.peak = peak_above(extended, self.peak)
        else:
            env = envelope(extended)
            self.peak = max(self.peak, float(env.max()))
            lo, hi = max(0, -self._position), min(count, self._fed - self._position)
            if hi > lo:  # only the values of samples fed: not those of the silence around them
                self._envelope.write(env[lo:hi].astype("<f4").tobytes())
        self._position += count
        self._context = extended[len(extended) - BEFORE - AFTER :]

    def true_peak(self) -> float:
        """The true peak of everything measured, as an amplitude (1.0 = full scale); ends the stream."""
        if not self._done:
            self._pending.append(np.zeros(BEFORE + AFTER))  # silence after the last sample
            self._run()
            self._done = True
        return self.peak

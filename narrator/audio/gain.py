"""The loudness gain of a narration, from its clips' statistics, and the limiter for hot clips.

One linear gain brings the narration to its target; it is rounded to ``GAIN_STEP_DB`` so a small
edit of the text usually leaves it (and so every unchanged paragraph's encoded segment) as it
was. Where the gain would push a clip's true peak over the ceiling, a look-ahead limiter lowers
the gain smoothly around those peaks, on that clip alone (clips are separated by silence longer
than the limiter's reach); the gain is raised by what the limiter took. The MP3 codec takes a
small, steady share of the loudness (``CODEC_LOSS_LU``, measured) and adds a little overshoot to
peaks (``ENCODER_HEADROOM_DB``): both are allowed for up front, so the narration is encoded once.
"""

from __future__ import annotations

import contextlib
import math
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from narrator.audio.meter import (
    LEVEL_KIND,
    LEVEL_VERSION,
    ClipLevel,
    Samples,
    gated_loudness,
    narration_powers,
    pcm_digest,
    subblock_frames,
    to_db,
)
from narrator.audio.truepeak import BLOCK, PCM_SCALE, block_envelopes, block_magnitudes, magnitude_bounds
from narrator.audio_settings import LoudnessReport, LoudnessTarget
from narrator.blobcache import BlobCache
from narrator.cores import core
from narrator.record import record

#: What 64 kbit/s MP3 coding takes from speech, in LU (measured on the seed and long articles).
CODEC_LOSS_LU = 0.4
#: MP3 coding adds a little overshoot to peaks: the limiter aims this far under the ceiling.
ENCODER_HEADROOM_DB = 0.5
GAIN_STEP_DB = 0.5  # gains are rounded to this: an edit that moves the loudness a little keeps it
LIMITER_WINDOW_S = 0.01  # the limiter's gain ramps over about twice this long
MAKE_UP_ROUNDS = 3  # corrections of the gain for the loudness the limiter removes
MAKE_UP_TOLERANCE_LU = 0.05
#: The first guess of what the limiter takes when some clips need it (espeak-ng's voice peaks near
#: full scale: at the default target it loses 0.6 to 0.9 LU). It is measured right after, so the
#: guess only saves a round of limiting when it is near; the gain is the same rule's either way.
LIMITER_LOSS_GUESS_LU = 0.5
#: Names the limiter's arithmetic in cache keys (limited levels, encoded segments): a change of it
#: that can move a sample must change this.
LIMITER_VERSION = "3"
#: Names how a limited clip's statistics are made from its own (see :func:`limited_level`).
LIMITED_LEVEL_VERSION = "ratio-1"

#: The 16-bit PCM of clip ``i``, for the few clips the limiter works on.
ReadClip = Callable[[int], bytes]
#: The :func:`~narrator.audio.meter.pcm_digest` of clip ``i`` (its cache keys are made from it).
DigestClip = Callable[[int], str]
#: Told each hot clip's limited samples (clip index, gain in dB, samples on the 16-bit scale, full
#: scale = ``PCM_SCALE``) as a plan limits them. The samples are handed over: the callee may
#: round them in place.
KeepLimited = Callable[[int, float, Samples], None]


@record
class GainPlan:
    """One gain for the whole narration, the ceiling hot clips are limited to, and the figures."""

    gain_db: float
    ceiling: float  # amplitude that true peaks are kept under
    input_lufs: float
    input_peak: float
    output_lufs: float  # what the gained (and limited) PCM measures, before the codec
    output_peak: float  # its true peak, at most the ceiling

    @property
    def gain(self) -> float:
        return float(10 ** (self.gain_db / 20))

    def hot(self, level: ClipLevel) -> bool:
        """Whether the clip needs the limiter at this gain."""
        return level.true_peak * self.gain > self.ceiling

    def report(self, target: LoudnessTarget) -> LoudnessReport:
        """The figures a narration records (the output ones predicted for the MP3; tests verify them)."""
        return LoudnessReport(
            target_lufs=target.integrated_lufs,
            input_lufs=self.input_lufs,
            input_true_peak_dbtp=to_db(self.input_peak),
            gain_db=self.gain_db,
            limited=self.input_peak * self.gain > self.ceiling,
            output_lufs=round(self.output_lufs - CODEC_LOSS_LU, 2),
            output_true_peak_dbtp=round(to_db(self.output_peak) + ENCODER_HEADROOM_DB, 2),
        )


def quantize(gain_db: float) -> float:
    """``gain_db`` rounded to a multiple of ``GAIN_STEP_DB``."""
    return round(gain_db / GAIN_STEP_DB) * GAIN_STEP_DB + 0.0


@record
class _Narration:
    """What the plan is made from: the clips' statistics and where they lie."""

    levels: Sequence[ClipLevel]
    placed: list[tuple[int, Sequence[float]]]
    total_frames: int
    rate: int
    read_clip: ReadClip
    cache: BlobCache | None
    keep: KeepLimited | None
    workers: int
    digest_clip: DigestClip | None

    def limited_level(self, index: int, plan: GainPlan) -> tuple[ClipLevel, Samples | None]:
        """The statistics of clip ``index`` gained and limited by ``plan`` (cached by its samples'
        digest: the samples are only read when they must be limited), and the limited samples
        when they were made."""
        key = ""
        if self.cache is not None:
            digest = self.digest_clip(index) if self.digest_clip else pcm_digest(self.read_clip(index))
            key = BlobCache.key("limited-level", LIMITER_VERSION, LEVEL_VERSION, LIMITED_LEVEL_VERSION,
                                digest, repr(plan.gain_db), repr(plan.ceiling), str(self.rate))
            stored = self.cache.get(key, LEVEL_KIND)
            if stored is not None:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    return ClipLevel.from_json(stored), None
        x = np.frombuffer(self.read_clip(index), dtype="<i2")
        limited, ratios = limit_measured(x, plan.gain, plan.ceiling, self.rate, PCM_SCALE)
        level = limited_level(self.levels[index], plan.gain, plan.ceiling, ratios)
        if self.cache is not None:
            self.cache.put(key, LEVEL_KIND, level.to_json())
        return level, limited

    def _on_a_core(self, index: int, plan: GainPlan) -> tuple[ClipLevel, Samples | None]:
        with core():
            return self.limited_level(index, plan)

    def limited_levels(self, hot: list[int], plan: GainPlan) -> Iterator[ClipLevel]:
        """:meth:`limited_level` of each clip of ``hot`` in order, ``workers`` at a time (numpy
        lets go of the GIL in the limiter's oversampling); the limited samples go to ``keep``."""
        pending: deque[tuple[int, Future[tuple[ClipLevel, Samples | None]]]] = deque()

        def finish() -> ClipLevel:
            index, future = pending.popleft()
            level, limited = future.result()
            if limited is not None and self.keep is not None:
                self.keep(index, plan.gain_db, limited)
            return level

        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="limit") as pool:
            for index in hot:
                pending.append((index, pool.submit(self._on_a_core, index, plan)))
                if len(pending) > 2 * self.workers:
                    yield finish()
            while pending:
                yield finish()

    def loudness(self, placed: list[tuple[int, Sequence[float]]]) -> float:
        return gated_loudness(narration_powers(placed, self.total_frames, self.rate))


def plan_gain(
    levels: Sequence[ClipLevel],
    starts: Sequence[int],
    total_frames: int,
    rate: int,
    target: LoudnessTarget,
    read_clip: ReadClip,
    cache: BlobCache | None = None,
    keep: KeepLimited | None = None,
    workers: int = 1,
    digest_clip: DigestClip | None = None,
) -> GainPlan:
    """The gain that brings the narration (clips ``levels`` at frames ``starts``) to ``target``.

    Hot clips are limited ``workers`` at a time; their limited samples are handed to ``keep``
    (the last gain it is told of is the plan's). ``digest_clip`` gives a clip's digest without
    reading it again, where the caller has made it.
    """
    placed: list[tuple[int, Sequence[float]]] = list(zip(starts, (lv.powers for lv in levels), strict=True))
    narration = _Narration(
        levels, placed, total_frames, rate, read_clip, cache, keep, max(1, workers), digest_clip
    )
    input_lufs = narration.loudness(placed)
    input_peak = max((level.true_peak for level in levels), default=0.0)
    ceiling = 10 ** ((target.true_peak_dbtp - ENCODER_HEADROOM_DB) / 20)
    unchanged = GainPlan(0.0, ceiling, input_lufs, input_peak, input_lufs, input_peak)
    if not math.isfinite(input_lufs):  # silence: nothing to bring up
        return unchanged
    aim = target.integrated_lufs + CODEC_LOSS_LU
    exact = aim - input_lufs
    if input_peak * 10 ** (quantize(exact) / 20) > ceiling:
        exact += LIMITER_LOSS_GUESS_LU
    plan = _measured(narration, replace(unchanged, gain_db=quantize(exact)))
    for _ in range(MAKE_UP_ROUNDS):
        shortfall = aim - plan.output_lufs
        if not plan.input_peak * plan.gain > ceiling or abs(shortfall) < MAKE_UP_TOLERANCE_LU:
            break
        exact += shortfall
        if quantize(exact) == plan.gain_db:
            break
        plan = _measured(narration, replace(unchanged, gain_db=quantize(exact)))
    return plan


def _measured(narration: _Narration, plan: GainPlan) -> GainPlan:
    """``plan`` with its output measured from the statistics (hot clips limited anew)."""
    gain = plan.gain
    hot = [i for i, level in enumerate(narration.levels) if plan.hot(level)]
    cool = max((lv.true_peak * gain for lv in narration.levels if not plan.hot(lv)), default=0.0)
    if not hot:
        return replace(plan, output_lufs=plan.input_lufs + plan.gain_db, output_peak=cool)
    power_gain = gain * gain
    scaled = [(start, [p * power_gain for p in powers]) for start, powers in narration.placed]
    peak = cool
    for i, level in zip(hot, narration.limited_levels(hot, plan), strict=True):
        scaled[i] = (narration.placed[i][0], list(level.powers))
        peak = max(peak, level.true_peak)
    return replace(plan, output_lufs=narration.loudness(list(scaled)), output_peak=peak)


def limited_level(level: ClipLevel, gain: float, ceiling: float, ratios: Samples) -> ClipLevel:
    """The statistics of a clip whose own are ``level`` once gained and limited, without filtering
    the limited samples again: each sub-block's K-weighted power times the gain squared and the
    share of its energy the limiter left (``ratios``, from :func:`limit_measured`).

    The limiter's gain moves slowly (over tens of ms), so it scales a sub-block's K-weighted energy
    about as it scales its plain energy: on espeak-ng's speech the narration's loudness lands within
    0.01 LU of the limited samples' own measurement at the default gain, and within 0.06 LU where
    the limiter takes 5 LU (tested). Its true peak is the ceiling, which the limiter keeps.
    """
    power_gain = gain * gain
    share = ratios.tolist()
    powers = [p * power_gain * (share[n] if n < len(share) else 1.0) for n, p in enumerate(level.powers)]
    return ClipLevel(tuple(powers), ceiling)


def limit_measured(
    x: npt.NDArray[Any], gain: float, ceiling: float, rate: int, unit: float = 1.0
) -> tuple[Samples, Samples]:
    """The clip ``x`` (silence around it) times ``gain``, with its true peaks kept under ``ceiling``,
    and per 100 ms sub-block from its first sample, the share of the gained clip's energy the
    limiter left (1.0 exactly where it changed nothing).

    ``x`` is floats (full scale = 1.0) or 16-bit samples (full scale = ``PCM_SCALE``, the result
    bit for bit that of the same samples as floats). The result's full scale is ``unit``: with
    ``PCM_SCALE`` its samples are ready to be rounded to 16 bits (see
    :func:`~narrator.audio.encode.rounded_pcm`), bit for bit the floats' times ``PCM_SCALE`` (the
    scales are powers of two: scaling by them is exact in every step), one pass over the clip fewer.

    The wanted factor per sample (from the true-peak envelope) is eroded (a running minimum over
    ``2w+1`` samples), then smoothed (a running mean over ``2w+1``). Every value in the mean's
    window is at most the wanted factor at the centre sample, so no sample passes the ceiling,
    and the gain changes gradually over about ``4w`` samples instead of clipping.

    The factor can be below 1 only within ``2w`` samples of a sample over the ceiling, so it is
    computed only there: each group of nearby hot samples gets a window of its own, and the
    windows, laid end to end, are eroded and smoothed in one pass. The envelope is only made for
    blocks whose bound can pass the ceiling (:func:`hot_envelope`).
    """
    w = max(1, round(rate * LIMITER_WINDOW_S))
    reach = 2 * w
    scale = gain / PCM_SCALE if x.dtype == np.int16 else gain
    result: Samples = x * (scale * unit)
    margin = -(-2 * reach // BLOCK) * BLOCK  # silence before the envelope, in whole blocks
    env, candidates = _envelope(x, scale, ceiling, margin, margin + 2 * reach)
    count = len(x)
    # the hot samples, found in the candidate blocks alone (the rest of env is zero)
    blocks = env[margin : margin + count + (-count) % BLOCK].reshape(-1, BLOCK)
    row, column = np.nonzero(blocks[candidates] > ceiling)
    hot = candidates[row] * BLOCK + column  # in order: the candidates are, and each row's columns
    sub = subblock_frames(rate)
    ratios = np.ones(-(-count // sub))
    if not len(hot):
        return result, ratios
    # groups of hot samples more than 2 * reach apart change disjoint spans first - reach..last + reach
    breaks = np.flatnonzero(np.diff(hot) > 2 * reach)
    firsts = np.concatenate([hot[:1], hot[breaks + 1]])
    lasts = np.concatenate([hot[breaks], hot[-1:]])
    # each window: the span changed, with the reach of the erosion and the mean on both sides
    # (``env`` has silence around the clip, so a window may run past the clip's ends)
    spans = list(zip(firsts.tolist(), lasts.tolist(), strict=True))
    # the sub-blocks those spans touch: the energy elsewhere is left as it was (a ratio of 1.0)
    touched = np.unique(np.concatenate([
        np.arange(max(first - reach, 0) // sub, min(last + reach, count - 1) // sub + 1)
        for first, last in spans
    ]))
    before = _energies(result, sub, touched)
    start = margin - 2 * reach
    near = np.concatenate([env[start + first : start + last + 4 * reach + 1] for first, last in spans])
    wanted = np.minimum(1.0, ceiling / np.maximum(near, 1e-12))
    eroded = running_min(wanted, 2 * w + 1)  # value i is centred on wanted[i + w]
    smooth = running_mean(eroded, 2 * w + 1)  # centred on wanted[i + 2w]
    value = np.minimum(smooth, wanted[reach : reach + len(smooth)])
    # value[i] is centred on position i + reach of the windows laid end to end: keep those centred
    # inside a changed span (the others would mix in the next window), first - reach .. last + reach
    offset = 0
    for first, last in spans:
        lo, hi = first - reach, last + reach + 1
        part = value[offset : offset + hi - lo]
        offset += hi - lo + 2 * reach  # the window's length
        clip_lo, clip_hi = max(lo, 0), min(hi, count)
        result[clip_lo:clip_hi] *= part[clip_lo - lo : clip_hi - lo]
    after = _energies(result, sub, touched)
    ratios[touched] = np.divide(after, before, out=np.ones(len(before)), where=before > 0)
    return result, ratios


def _energies(x: Samples, sub: int, which: npt.NDArray[np.intp]) -> Samples:
    """The sum of squares of the ``sub`` samples of ``x`` in each sub-block ``which`` (in
    increasing order) counted from its first sample (the last one perhaps shorter)."""
    whole = len(x) // sub
    inside = which[which < whole]
    rows = x[: whole * sub].reshape(-1, sub)[inside]
    sums: Samples = np.einsum("ij,ij->i", rows, rows)
    if len(inside) < len(which):  # the last, shorter sub-block
        rest = x[whole * sub :]
        sums = np.append(sums, np.dot(rest, rest))
    return sums


def hot_envelope(
    x: npt.NDArray[Any], scale: float, ceiling: float, before: int = 0, after: int = 0
) -> Samples:
    """The true-peak envelope of ``scale * x`` (silence around it) where it can pass ``ceiling``,
    else 0, with ``before`` and ``after`` values of silence around it (``before`` whole blocks).

    An envelope value is at most ``WORST_GAIN`` times the largest of the 12 samples it is made
    from, so only blocks of samples whose neighbourhood can pass the ceiling by that bound are
    oversampled (all at once), read from ``x`` itself. Elsewhere the envelope is at most the
    ceiling, where the limiter wants no change, as it does for 0. The points are computed in
    float32 (``single``): the limiter only needs to know where to act and by how much, to about
    1e-6. The array is allocated zeroed and only the candidate blocks are written.
    """
    return _envelope(x, scale, ceiling, before, after)[0]


def _envelope(
    x: npt.NDArray[Any], scale: float, ceiling: float, before: int, after: int
) -> tuple[Samples, npt.NDArray[np.intp]]:
    """:func:`hot_envelope`, and the blocks it oversampled (in order)."""
    count = len(x)
    blocks = -(-count // BLOCK)
    source, magnitude = block_magnitudes(x)
    candidates = np.flatnonzero(magnitude_bounds(magnitude, scale) > ceiling)
    env = np.zeros(before + blocks * BLOCK + after)
    if len(candidates):
        rows = env[before : before + blocks * BLOCK].reshape(blocks, BLOCK)
        rows[candidates] = block_envelopes(source, candidates, single=True, scale=scale)
        env[before + count : before + blocks * BLOCK] = 0.0  # points after the clip's last sample
    return env[: before + count + after], candidates


def running_min(x: Samples, width: int) -> Samples:
    """The minimum of every ``width`` consecutive values (``len(x) - width + 1`` of them).

    By doubling: after step ``k`` each value is the minimum of ``2**k`` values, and one last
    overlapping step makes up the rest of the width. That is ``log2(width)`` passes of an
    elementwise minimum, which numpy vectorizes; for the limiter's windows (a few hundred samples)
    it is about three times as fast as van Herk / Gil-Werman, whose prefix minima
    (``np.minimum.accumulate``) run one value at a time.
    """
    if len(x) < width:
        return np.zeros(0)
    result, span = x, 1
    while 2 * span <= width:
        result = np.minimum(result[:-span], result[span:])
        span *= 2
    rest = width - span  # windows of span overlap to cover span + rest, and rest <= span
    if rest:
        result = np.minimum(result[: len(result) - rest], result[rest:])
    return result


def running_mean(x: Samples, width: int) -> Samples:
    """The mean of every ``width`` consecutive values (``len(x) - width + 1`` of them)."""
    if len(x) < width:
        return np.zeros(0)
    sums = np.zeros(len(x) + 1)
    np.cumsum(x, dtype=np.float64, out=sums[1:])
    result: Samples = (sums[width:] - sums[:-width]) / width
    return result

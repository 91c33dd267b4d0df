"""Loudness from cached clip statistics: what measuring the assembled narration gives, to float32."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from narrator.audio.assemble import Pauses, assemble, gap_frames
from narrator.audio.encode import ClipSpan, Spool, clip_levels, plan_narration, rounded_pcm, to_pcm
from narrator.audio.gain import GAIN_STEP_DB, limit_measured, quantize
from narrator.audio.meter import LoudnessMeter, floats, gated_loudness, narration_powers, subblock_frames
from narrator.audio.truepeak import PCM_SCALE, TruePeakMeter
from narrator.audio_settings import LoudnessTarget
from narrator.blobcache import BlobCache
from narrator.model import Clip
from tests.test_loudness import reference_true_peak, speechlike


def limit(x: npt.NDArray[Any], gain: float, ceiling: float, rate: int) -> npt.NDArray[np.float64]:
    """The limited samples alone (floats, full scale = 1.0)."""
    return limit_measured(x, gain, ceiling, rate)[0]


def clips_of(rate: int, sizes: list[list[float]], seed: int = 3) -> list[list[Clip]]:
    """Paragraphs of clips of odd lengths (seconds) and levels, loud ones included."""
    rng = np.random.default_rng(seed)
    paragraphs = []
    for n, lengths in enumerate(sizes):
        clips = []
        for m, seconds in enumerate(lengths):
            x = speechlike(rate, 2, seed=10 * n + m, level=float(rng.uniform(0.02, 0.3)))[
                : int(seconds * rate)
            ]
            x[0] = x[-1] = 0.2  # loud edges: trimming keeps the clip's exact length
            clips.append(Clip(to_pcm(x), rate))
        paragraphs.append(clips)
    return paragraphs


@pytest.mark.parametrize("rate", [16000, 22050, 24000])
@pytest.mark.parametrize("pauses", [Pauses(), Pauses(lead_ms=0, sentence_ms=0, paragraph_ms=0, tail_ms=0)])
def test_statistics_give_the_direct_measurement(rate: int, pauses: Pauses, tmp_path: object) -> None:
    with Spool() as spool:
        spans = list(
            assemble(clips_of(rate, [[1.23, 0.71, 1.9], [0.33], [1.51, 0.999]]), spool, rate, pauses)
        )
        clips = [ClipSpan(s.start, s.end) for p in spans for s in p.sentences]
        assert all(c.start % subblock_frames(rate) == 0 for c in clips), "every clip starts on the grid"
        levels = clip_levels(spool, clips, rate, None)
        placed = [(c.start, lv.powers) for c, lv in zip(clips, levels, strict=True)]
        stats = gated_loudness(narration_powers(placed, spool.frames, rate))
        whole = floats(spool.read(0, spool.frames))
    meter, peak = LoudnessMeter(rate), TruePeakMeter()
    meter.add(whole)
    peak.add(whole)
    direct = meter.integrated()
    assert math.isfinite(direct)
    # the same up to single precision: the statistics filter in float32, the meter in float64
    assert abs(stats - direct) < 2e-6, f"statistics {stats} LUFS, direct {direct} LUFS"
    assert max(lv.true_peak for lv in levels) == pytest.approx(peak.true_peak(), rel=1e-12)
    assert max(lv.true_peak for lv in levels) == pytest.approx(reference_true_peak(whole), rel=1e-12)


def test_gaps_end_on_the_grid_and_outlast_the_filter() -> None:
    for rate in (16000, 22050, 44100):
        for position in (0, 1, 2204, 12345):
            gap = gap_frames(position, 0, rate)
            assert (position + gap) % subblock_frames(rate) == 0
            assert gap >= 0.1 * rate


def test_statistics_are_cached_by_the_clips_samples(tmp_path: object) -> None:
    from pathlib import Path

    cache = BlobCache(Path(str(tmp_path)) / "cache")
    rate = 22050
    with Spool() as spool:
        spans = list(assemble(clips_of(rate, [[1.0, 0.5]]), spool, rate))
        clips = [ClipSpan(s.start, s.end) for p in spans for s in p.sentences]
        first = clip_levels(spool, clips, rate, cache)
        assert cache.info().entries == 2
        assert clip_levels(spool, clips, rate, cache) == first
        assert cache.info().entries == 2


def test_the_plan_predicts_the_gained_and_limited_pcm() -> None:
    """The output loudness and peak the plan computes from statistics are what its PCM measures."""
    rate = 22050
    target = LoudnessTarget()
    with Spool() as spool:
        spans = list(assemble(clips_of(rate, [[1.2, 1.7], [0.8, 1.1, 1.4]], seed=5), spool, rate))
        clips = [ClipSpan(s.start, s.end) for p in spans for s in p.sentences]
        plan, levels = plan_narration(spool, clips, rate, target, None)
        out = floats(spool.read(0, spool.frames)) * plan.gain
        for clip, level in zip(clips, levels, strict=True):
            if plan.hot(level):
                out[clip.start : clip.end] = limit(
                    floats(spool.read(clip.start, clip.end)), plan.gain, plan.ceiling, rate
                )
    assert any(plan.hot(level) for level in levels), "some clips need the limiter"
    meter = LoudnessMeter(rate)
    meter.add(out)
    # the limited clips' statistics are estimated from their own (see the next test)
    assert abs(meter.integrated() - plan.output_lufs) < 0.02
    assert reference_true_peak(out) <= plan.ceiling * 1.001
    assert plan.gain_db == quantize(plan.gain_db) and plan.gain_db % GAIN_STEP_DB == 0


def test_limited_statistics_track_the_limited_samples_on_real_speech() -> None:
    """A limited clip's statistics come from its own and the energy the limiter left; the loudness
    they give stays within a few hundredths of a LU of the limited samples' measurement, on
    espeak-ng's speech (which peaks near full scale) from light to heavy limiting. Clips the
    limiter leaves alone keep their statistics times the gain squared, exactly."""
    from narrator.audio.gain import limited_level
    from narrator.audio.meter import clip_level, pcm_level
    from narrator.engines.base import EngineOptions
    from narrator.engines.espeak import EspeakEngine

    engine = EspeakEngine(EngineOptions())
    sentences = [
        "وزیر امور خارجه روز سه‌شنبه در نشست خبری گفت که گفت‌وگوها ادامه خواهد داشت.",
        "بر اساس گزارش بانک مرکزی، نرخ تورم در ماه گذشته به سی و دو درصد رسید.",
    ]
    ceiling = 10 ** (-1.5 / 20)
    for text in sentences:
        clip = engine.synthesize(text)
        x = np.frombuffer(clip.pcm, dtype="<i2")
        own = pcm_level(clip.pcm, clip.sample_rate)
        losses = []
        for gain_db, tolerance in ((3.0, 0.02), (5.0, 0.02), (8.0, 0.04), (11.0, 0.08)):
            gain = 10 ** (gain_db / 20)
            limited, ratios = limit_measured(x, gain, ceiling, clip.sample_rate)
            estimated = gated_loudness(limited_level(own, gain, ceiling, ratios).powers)
            measured = gated_loudness(clip_level(limited, clip.sample_rate).powers)
            assert abs(estimated - measured) < tolerance, (text, gain_db, estimated, measured)
            losses.append(gated_loudness(own.powers) + gain_db - measured)
        assert losses[0] < losses[-1] and losses[-1] > 4, "the limiter works harder as the gain grows"
    quiet = np.frombuffer(clip.pcm, dtype="<i2") // 8
    limited, ratios = limit_measured(quiet, 1.5, ceiling, clip.sample_rate)
    assert np.all(ratios == 1.0)
    level = pcm_level(quiet.astype("<i2").tobytes(), clip.sample_rate)
    assert limited_level(level, 1.5, ceiling, ratios).powers == tuple(p * 2.25 for p in level.powers)


def test_hot_envelope_is_the_envelope_wherever_it_passes_the_ceiling() -> None:
    from narrator.audio.gain import hot_envelope
    from narrator.audio.truepeak import AFTER, BEFORE, envelope

    y = speechlike(22050, 5, seed=9, level=0.3) * 3
    full = envelope(np.concatenate([np.zeros(BEFORE), y, np.zeros(AFTER)]), single=True)
    for ceiling in (0.3, 0.8, 2.0):
        hot = hot_envelope(y, 1.0, ceiling)
        over = full > ceiling
        assert np.array_equal(hot[over], full[over])
        assert np.all(hot[~over] <= ceiling)
        # with silence around it, and read from the clip at a third of its level times three
        around = hot_envelope(y / 4, 4.0, ceiling, before=128, after=37)
        assert len(around) == 128 + len(y) + 37 and not around[:128].any() and not around[-37:].any()
        assert np.array_equal(around[128 : 128 + len(y)][over], full[over])


def reference_limit(x: np.ndarray, gain: float, ceiling: float, rate: int) -> np.ndarray:
    """The limiter's rule computed over every sample, with the textbook windows."""
    from narrator.audio.gain import LIMITER_WINDOW_S
    from narrator.audio.truepeak import AFTER, BEFORE, envelope

    w = max(1, round(rate * LIMITER_WINDOW_S))
    y = x * gain
    env = envelope(np.concatenate([np.zeros(BEFORE), y, np.zeros(AFTER)]), single=True)
    wanted = np.minimum(1.0, ceiling / np.maximum(env, 1e-12))
    padded = np.concatenate([np.ones(2 * w), wanted, np.ones(2 * w)])
    eroded = np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1).min(axis=1)
    smooth = np.lib.stride_tricks.sliding_window_view(eroded, 2 * w + 1).mean(axis=1)
    result: np.ndarray = y * np.minimum(smooth, wanted)
    return result


@pytest.mark.parametrize("seed", range(6))
def test_the_limiter_works_only_near_hot_samples_and_agrees_with_the_whole_clip_rule(seed: int) -> None:
    """Groups of hot samples near and far apart, at the clip's edges too, at several gains."""
    rng = np.random.default_rng(seed)
    rate = int(rng.choice([16000, 22050, 24000, 44100, 48000]))
    x = speechlike(rate, 3, seed=seed, level=0.05)
    for at in rng.integers(0, len(x), int(rng.integers(1, 12))):  # sparse loud bursts
        x[at : at + int(rng.integers(1, 400))] *= rng.uniform(3, 12)
    x[:3] = x[-3:] = 0.9 * rng.choice([-1, 1])  # peaks at both edges
    ceiling = 10 ** (-1.5 / 20)
    for gain in (0.5, 1.0, 2.0, 5.0):
        got = limit(x, gain, ceiling, rate)
        want = reference_limit(x, gain, ceiling, rate)
        assert np.allclose(got, want, rtol=0, atol=1e-9)
        assert reference_true_peak(got) <= ceiling * 1.001  # as the plan test allows
        pcm = np.frombuffer(to_pcm(x), dtype="<i2")  # read as integers: the floats' result, bit for bit
        as_floats = limit(floats(pcm.tobytes()), gain, ceiling, rate)
        assert np.array_equal(limit(pcm, gain, ceiling, rate), as_floats)
        # on the 16-bit scale: the floats times full scale, bit for bit, and rounded the same
        on_scale, ratios = limit_measured(pcm, gain, ceiling, rate, PCM_SCALE)
        assert np.array_equal(on_scale, as_floats * PCM_SCALE)
        assert rounded_pcm(on_scale.copy()) == to_pcm(as_floats)
        # the energy ratios, measured only where the limiter acted, are those of every sub-block
        assert np.array_equal(ratios, every_ratio(floats(pcm.tobytes()) * gain, as_floats, rate))


def every_ratio(
    before: npt.NDArray[np.float64], after: npt.NDArray[np.float64], rate: int
) -> npt.NDArray[np.float64]:
    """Each 100 ms sub-block's energy after over before (1.0 where it was silent), every one
    summed as the limiter sums them: whole sub-blocks by rows, the short last one by a dot."""
    sub = subblock_frames(rate)

    def sums(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        whole = len(x) // sub
        rows = x[: whole * sub].reshape(-1, sub)
        out: npt.NDArray[np.float64] = np.einsum("ij,ij->i", rows, rows)
        return np.append(out, np.dot(x[whole * sub :], x[whole * sub :])) if len(x) % sub else out

    b, a = sums(before), sums(after)
    result: npt.NDArray[np.float64] = np.divide(a, b, out=np.ones(len(b)), where=b > 0)
    return result


def test_encoding_reuses_the_clips_the_plan_limited() -> None:
    """The plan hands its limited clips to the spool; the PCM given to the encoder is the same
    whether they are reused or limited again."""
    from narrator.audio.encode import narration_pcm

    rate = 22050
    with Spool() as spool:
        spans = list(assemble(clips_of(rate, [[1.2, 1.7], [0.8, 1.1, 1.4]], seed=5), spool, rate))
        clips = [ClipSpan(s.start, s.end) for p in spans for s in p.sentences]
        _, pieces = narration_pcm(spool, rate, clips, LoudnessTarget(), workers=2)
        reused = b"".join(pieces)
        plan, levels = plan_narration(spool, clips, rate, LoudnessTarget(), None)
        kept = [i for i, level in enumerate(levels) if plan.hot(level)]
        assert kept and all(spool.limited.get(i, plan.gain_db) is not None for i in kept)
        spool.limited.keep(0, plan.gain_db + 1, np.zeros(1))  # another gain: the kept clips are dropped
        assert all(spool.limited.get(i, plan.gain_db) is None for i in kept)
        _, pieces = narration_pcm(spool, rate, clips, LoudnessTarget(), workers=1)
        # planned again (the clips kept anew), then read from the store: compare with limiting afresh
        fresh = bytearray(floats_to_pcm_gained(spool, plan.gain))
        for i in kept:
            c = clips[i]
            fresh[2 * c.start : 2 * c.end] = to_pcm(limit(floats(spool.read(c.start, c.end)), plan.gain,
                                                          plan.ceiling, rate))
        assert reused == b"".join(pieces) == bytes(fresh)


def floats_to_pcm_gained(spool: Spool, gain: float) -> bytes:
    return to_pcm(floats(spool.read(0, spool.frames)) * gain)


def _segment_names(
    tmp_path: object, paragraphs: list[list[Clip]], lead: int = 300, between: int = 400
) -> tuple[list[str], list[bytes]]:
    """Each paragraph's segment name (as the encoder keys it) and its samples, read back."""
    from pathlib import Path

    from narrator.audio.encode import _named

    cache = BlobCache(Path(str(tmp_path)) / "c")
    with Spool() as spool:
        spans = list(assemble(paragraphs, spool, 22050, Pauses(lead_ms=lead, sentence_ms=between)))
        clips = [ClipSpan(s.start, s.end) for p in spans for s in p.sentences]
        clip_levels(spool, clips, 22050, cache)  # the digests are made here, as in a narration
        edges = [p.chapter.start for p in spans] + [spool.frames]
        names = [_named(spool, a, b, clips, cache) for a, b in itertools.pairwise(edges)]
        return names, [spool.read(a, b) for a, b in itertools.pairwise(edges)]


def test_a_segment_is_named_by_its_samples_whatever_stands_before_it(tmp_path: object) -> None:
    """The name made from the clips' digests and places stands for the samples: the same samples
    at another place in another narration get the same name, other samples another."""
    base = clips_of(22050, [[1.23, 0.71], [0.5, 1.1], [0.9]])
    names, pcm = _segment_names(tmp_path, base)
    moved, moved_pcm = _segment_names(tmp_path, [clips_of(22050, [[2.7]], seed=9)[0], *base[1:]], lead=700)
    assert moved[1:] == names[1:] and moved_pcm[1:] == pcm[1:], "later paragraphs: same samples, same names"
    assert moved[0] != names[0] and moved_pcm[0] != pcm[0]
    louder = [list(p) for p in base]
    x = np.frombuffer(louder[1][1].pcm, dtype="<i2").copy()
    x[len(x) // 2] += 1  # one sample of one clip
    louder[1][1] = Clip(x.tobytes(), 22050)
    changed, _ = _segment_names(tmp_path, louder)
    assert [a == b for a, b in zip(changed, names, strict=True)] == [True, False, True]
    shorter = [list(p) for p in base]
    shorter[1][1] = Clip(louder[1][1].pcm[:-2000], 22050)  # the clip ends 1000 samples sooner
    assert _segment_names(tmp_path, shorter)[0][1] not in names
    wider = _segment_names(tmp_path, base, between=900)[0]  # the same clips, a longer pause between
    assert wider[1] not in names and wider[2] == names[2]


def test_a_segment_that_cuts_a_clip_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    from narrator.audio.encode import _named

    with Spool() as spool:
        spans = list(assemble(clips_of(22050, [[1.0, 1.0]]), spool, 22050))
        clips = [ClipSpan(s.start, s.end) for p in spans for s in p.sentences]
        middle = (clips[0].start + clips[0].end) // 2
        with pytest.raises(ValueError, match="whole clips"):
            _named(spool, middle, spool.frames, clips, BlobCache(Path(str(tmp_path))))
        with pytest.raises(ValueError, match="whole clips"):
            _named(spool, 0, middle, clips, BlobCache(Path(str(tmp_path))))

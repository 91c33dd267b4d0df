"""Loudness normalization: the meter against pyloudnorm, and finished MP3s measured as players hear them."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyloudnorm  # type: ignore[import-untyped]
import pytest
from scipy.signal import sosfilt

from narrator.audio.gain import running_mean, running_min
from narrator.audio.kweight import KWeighting, impulse_response, k_weighting
from narrator.audio.meter import LoudnessMeter
from narrator.audio.truepeak import PHASES, WORST_GAIN, TruePeakMeter, envelope, peak_above
from narrator.audio_settings import LoudnessTarget
from narrator.cli import main
from narrator.errors import InputError
from tests.audio_check import decode_mp3, encode_clips, measure_file
from tests.conftest import SEED
from tests.podcast_fixtures import narrate_tones, podcast_options

TARGET = -16.0
CEILING = -1.0
PEAK_TOLERANCE_DB = 0.1
CHUNK_FRAMES = 1 << 16
Floats = npt.NDArray[np.float64]


def oversampled(x: Floats) -> Floats:
    """``x`` oversampled four times by the BS.1770-4 filter: zeros stuffed in, then the 48 taps.

    Sample ``4m + p`` of the result is ``sum(PHASES[p][k] * x[m - k])`` (the whole convolution,
    including the points around the silence before and after ``x``).
    """
    stuffed = np.zeros(4 * len(x))
    stuffed[::4] = x
    result: Floats = np.convolve(stuffed, PHASES.T.ravel())
    return result


def reference_true_peak(x: Floats) -> float:
    """The largest magnitude of ``x`` and of all its interpolated points, phase by phase."""
    points = [float(np.abs(np.convolve(x, phase)).max()) for phase in PHASES]
    return max(float(np.abs(x).max()), *points)


def measure(path: Path) -> tuple[float, float]:
    """Integrated loudness (pyloudnorm) and 4x oversampled true peak (dBTP) of a decoded MP3."""
    audio = decode_mp3(path).astype(np.float64) / 32768
    loudness = float(pyloudnorm.Meter(44100).integrated_loudness(audio))
    return loudness, 20 * math.log10(reference_true_peak(audio))


def speechlike(rate: int, seconds: int, seed: int = 1, level: float = 0.05) -> Floats:
    """Noise shaped into syllables and pauses, with rare sharp clicks (peaky like speech)."""
    rng = np.random.default_rng(seed)
    frames = rate * seconds
    syllables = np.repeat(rng.uniform(0, 1, seconds * 8) ** 2, rate // 8)[:frames]
    syllables = np.pad(syllables, (0, frames - len(syllables)))
    pauses = np.repeat(rng.uniform(0, 1, seconds) > 0.2, rate)[:frames]
    signal = rng.standard_normal(frames) * level * syllables * pauses
    clicks = rng.choice(frames, size=seconds, replace=False)
    signal[clicks] = np.sign(signal[clicks] + 1e-9) * 0.9
    return signal


def to_pcm(x: Floats) -> bytes:
    return np.clip(np.rint(x * 32768), -32768, 32767).astype("<i2").tobytes()


def test_k_weighting_at_48k_is_the_bs1770_table() -> None:
    sos = k_weighting(48000)
    shelf_b = [1.53512485958697, -2.69169618940638, 1.19839281085285]
    shelf_a = [1.0, -1.69065929318241, 0.73248077421585]
    highpass_a = [1.0, -1.99004745483398, 0.99007225036621]
    assert np.allclose(sos[0], shelf_b + shelf_a, atol=1e-9)
    assert np.allclose(sos[1], [1.0, -2.0, 1.0, *highpass_a], atol=1e-9)


@pytest.mark.parametrize("rate", [16000, 22050, 24000, 44100])
def test_meter_fed_in_pieces_agrees_with_pyloudnorm(rate: int) -> None:
    x = speechlike(rate, 20, seed=rate)
    meter = LoudnessMeter(rate)
    rng = np.random.default_rng(rate)
    position = 0
    while position < len(x):
        size = int(rng.integers(1, 30000))
        meter.add(x[position : position + size])
        position += size
    expected = pyloudnorm.Meter(rate).integrated_loudness(x)
    assert abs(meter.integrated() - expected) < 0.15


def test_k_weighting_filter_fed_in_pieces_is_the_iir_filter() -> None:
    """The truncated FFT filter against the two biquads run directly (scipy as the reference)."""
    for rate in (16000, 22050, 44100, 48000):
        x = speechlike(rate, 5, seed=rate, level=0.3)
        kw = KWeighting(rate)
        tail, pieces = kw.initial_tail(), []
        rng = np.random.default_rng(rate)
        position = 0
        while position < len(x):
            size = int(rng.integers(1, 2 * kw.block))
            y, tail = kw.apply(x[position : position + size], tail)
            pieces.append(y)
            position += size
        expected = sosfilt(k_weighting(rate), x)
        assert np.abs(np.concatenate(pieces) - expected).max() < 1e-9
        assert len(impulse_response(rate)) < rate // 4  # cut once it has died away


@pytest.mark.parametrize("rate", [16000, 22050, 48000])
def test_subblock_powers_are_the_filtered_signal_squared_and_averaged(rate: int) -> None:
    """Summed as each FFT block comes, on the sub-block grid: the same as filtering the clip and
    its ring-out whole, at lengths around every boundary; 16-bit samples give the floats' bits."""
    kw = KWeighting(rate)
    sub = round(rate * 0.1)
    overlap = len(kw.taps) - 1
    block = (kw.fft_size - overlap) // sub * sub
    rng = np.random.default_rng(rate)
    edges = (1, 7, sub - 1, sub, overlap, overlap + 1, block - 1, block, block + 1, 2 * block)
    for n in (*edges, 3 * block + 5, 9 * block + 3, 17 * block):  # several groups of blocks filtered together
        pcm = (rng.standard_normal(n) * 6000).clip(-32768, 32767).astype(np.int16)
        pcm[: min(n, 3)] = -32768  # full scale, negative: the one value with no 16-bit opposite
        x = pcm / 32768.0
        weighted, _ = kw.apply(np.concatenate([x, np.zeros(overlap)]), kw.initial_tail())
        padded = np.zeros(-(-len(weighted) // sub) * sub)
        padded[: len(weighted)] = weighted
        want = np.square(padded).reshape(-1, sub).mean(axis=1)
        got = kw.subblock_powers(x, sub)
        assert len(got) == len(want)
        assert np.abs(got - want).max() <= 5e-7 * want.max()  # filtered in single precision
        assert np.array_equal(kw.subblock_powers(pcm, sub, 1 / 32768), got), "PCM read as integers"


def test_interpolation_filter_is_the_bs1770_table() -> None:
    taps = PHASES.T.ravel()  # the 48 taps in order: phase p is taps[p::4]
    assert len(taps) == 48 and np.array_equal(taps, taps[::-1]), "a symmetric (linear phase) filter"
    assert taps[24] == taps[23] == 0.9721679687500
    assert list(PHASES[1][:3]) == [-0.0291748046875, 0.0292968750000, -0.0517578125000]
    assert np.allclose(PHASES.sum(axis=1), 1.0, atol=0.03), "each phase passes DC at unity gain"
    # The bound the peak search relies on is reached by full-scale samples of the taps' signs.
    worst = np.sign(PHASES[1][::-1])
    assert reference_true_peak(worst) == pytest.approx(WORST_GAIN) and 2.02 < WORST_GAIN < 2.03
    # A quarter-rate sine whose samples all fall at 1/sqrt(2) of its crest: the classic +3 dB
    # inter-sample peak, which the sample peak misses and the true peak finds.
    n = np.arange(4800)
    sine = 0.5 * np.sin(np.pi / 2 * n + np.pi / 4)
    meter = TruePeakMeter()
    meter.add(sine)
    assert float(np.abs(sine).max()) == pytest.approx(0.5 / math.sqrt(2))
    assert 20 * math.log10(meter.true_peak() / 0.5) == pytest.approx(0.0, abs=0.1)


def test_polyphase_points_are_the_zero_stuffed_filter() -> None:
    x = speechlike(8000, 2, seed=3)
    stuffed = np.abs(oversampled(x))
    assert reference_true_peak(x) == max(float(np.abs(x).max()), float(stuffed.max()))
    # envelope(): per sample, it and the four points between it and the next sample.
    ext = np.concatenate([np.zeros(5), x, np.zeros(6)])
    per_sample = stuffed[24 : 24 + 4 * len(x)].reshape(len(x), 4).max(axis=1)
    assert np.allclose(envelope(ext), np.maximum(np.abs(x), per_sample), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("spool", [False, True])
def test_true_peak_meter_fed_in_pieces_is_the_4x_oversampled_peak(spool: bool) -> None:
    x = speechlike(22050, 12, seed=5)
    file = io.BytesIO()
    meter = TruePeakMeter(file if spool else None)
    for start in range(0, len(x), CHUNK_FRAMES // 3 + 7):
        meter.add(x[start : start + CHUNK_FRAMES // 3 + 7])
    expected = float(np.abs(oversampled(x)).max())
    assert meter.true_peak() == pytest.approx(max(expected, float(np.abs(x).max())), rel=1e-12)
    if spool:  # the envelope: one value per sample, each sample and the points after it
        values = np.frombuffer(file.getvalue(), dtype="<f4")
        ext = np.concatenate([np.zeros(5), x, np.zeros(6)])
        assert np.array_equal(values, envelope(ext).astype("<f4"))


def test_peak_search_skips_nothing_that_matters() -> None:
    """Blocks are skipped by a bound; whatever the signal, the result is the full computation."""
    rng = np.random.default_rng(11)
    for trial in range(200):
        size = int(rng.integers(12, 3000))
        x = rng.standard_normal(size) * rng.uniform(0, 1, size) ** int(rng.integers(1, 8))
        if trial % 3 == 0:  # worst cases for the bound: full-scale alternating runs
            run = int(rng.integers(0, size - 11))
            x[run : run + 12] = np.sign(PHASES[1][::-1]) * 0.4
        ext = np.concatenate([np.zeros(5), x, np.zeros(6)])
        full = float(envelope(ext).max())
        floor = float(rng.uniform(0, full * 1.2))
        assert peak_above(ext, floor) == pytest.approx(max(floor, full), rel=1e-12)


def test_true_peak_of_pcm_is_the_meters_on_the_floats() -> None:
    """Bounds and sample peak taken on the integers: bit for bit what the float meter finds."""
    from narrator.audio.truepeak import pcm_true_peak

    rng = np.random.default_rng(3)
    for trial in range(60):
        size = int(rng.integers(1, 20000))
        pcm = (rng.standard_normal(size) * rng.uniform(0, 1, size) ** 3 * 20000).clip(-32768, 32767)
        pcm = pcm.astype(np.int16)
        if trial % 4 == 0:
            pcm[int(rng.integers(0, size))] = -32768
        meter = TruePeakMeter()
        meter.add(pcm / 32768.0)
        assert pcm_true_peak(pcm) == meter.true_peak()
    assert pcm_true_peak(np.zeros(0, np.int16)) == 0.0


def test_running_min_and_mean_are_the_windowed_ones() -> None:
    rng = np.random.default_rng(2)
    for width in (1, 2, 7, 221):
        x = rng.uniform(0, 1, 1000 + width)
        windows = np.lib.stride_tricks.sliding_window_view(x, width)
        assert np.array_equal(running_min(x, width), windows.min(axis=1))
        assert np.allclose(running_mean(x, width), windows.mean(axis=1), rtol=0, atol=1e-12)
    assert len(running_min(np.ones(3), 5)) == 0 and len(running_mean(np.ones(3), 5)) == 0


def test_measure_file_is_the_decoded_mp3_measured(tmp_path: Path) -> None:
    rate = 22050
    path = tmp_path / "out.mp3"
    encode_clips([speechlike(rate, 20, level=0.3)], rate, path)
    lufs, peak = measure_file(path, 44100)
    audio = decode_mp3(path).astype(np.float64) / 32768
    assert peak == pytest.approx(reference_true_peak(audio), rel=1e-12)
    assert lufs == pytest.approx(pyloudnorm.Meter(44100).integrated_loudness(audio), abs=0.15)


def test_cli_import_loads_no_scipy() -> None:
    """scipy costs over a second and 80 MB to import; nothing the command line runs needs it."""
    code = "import sys, narrator.cli, narrator.pipeline; print(sorted({'scipy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("level", [0.005, 0.3])  # far too quiet; loud and peaky (needs the limiter)
def test_normalized_mp3_measures_target_loudness_and_peak(level: float, tmp_path: Path) -> None:
    rate = 22050
    clips = [speechlike(rate, 10, seed=n, level=0.3) * (level / 0.3) for n in range(3)]
    path = tmp_path / "out.mp3"
    report, frames = encode_clips(clips, rate, path)
    assert report is not None
    loudness, peak = measure(path)
    print(f"level {level}: input {report.input_lufs:.2f} LUFS, mp3 {loudness:.2f} LUFS, {peak:.2f} dBTP")
    assert abs(loudness - TARGET) <= 0.5
    # Noise with lone full-scale clicks is far peakier than speech: 64 kbit/s coding overshoots its
    # limited clicks by more than ENCODER_HEADROOM_DB (speech stays under the ceiling: see the seed).
    assert peak <= CEILING + 1.5
    assert abs(report.output_lufs - loudness) <= 0.5, "the report predicts what the MP3 measures"
    decoded_ms = len(decode_mp3(path)) * 1000 / 44100
    assert abs(decoded_ms - frames * 1000 / rate) <= 5, "normalizing never changes the length"


def test_silence_is_left_silent(tmp_path: Path) -> None:
    report, _ = encode_clips([np.zeros(16000 * 3)], 16000, tmp_path / "s.mp3")
    assert report is not None
    assert report.gain_db == 0 and report.input_lufs == -math.inf and not report.limited
    assert not np.any(decode_mp3(tmp_path / "s.mp3"))


def test_memory_stays_flat_for_long_audio(tmp_path: Path) -> None:
    """Fifteen minutes (40 MB of PCM) normalized and encoded with well under one copy of it in memory."""
    rate = 22050
    minute = speechlike(rate, 60, level=0.3)
    step = 10 * rate
    clips = (minute[start : start + step] for _ in range(15) for start in range(0, len(minute), step))
    tracemalloc.start()
    try:
        report, frames = encode_clips(clips, rate, tmp_path / "long.mp3")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report is not None and report.limited
    assert frames >= 15 * 60 * rate
    assert peak < 20 * 1024 * 1024, f"peak traced memory {peak / 2**20:.1f} MiB"


def test_out_of_range_target_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="loudness 3 LUFS is out of range"):
        LoudnessTarget(integrated_lufs=3)
    err = io.StringIO()
    argv = ["narrate", str(SEED), "--engine", "espeak", "--loudness", "3"]
    code = main(argv, stdout=io.StringIO(), stderr=err)
    assert code == 1
    assert err.getvalue() == "narrator: error: loudness 3 LUFS is out of range (-40 to -5)\n"


def test_tone_narration_reaches_a_chosen_loudness(tmp_path: Path) -> None:
    options = replace(podcast_options(), loudness=LoudnessTarget(-20.0))
    result = narrate_tones(tmp_path, options=options)
    loudness, peak = measure(result.path)
    assert abs(loudness - -20) <= 0.5 and peak <= CEILING + PEAK_TOLERANCE_DB


@pytest.fixture(scope="module")
def seed_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seed narrated by espeak as synthesized and normalized."""
    paths = []
    for extra in (["--no-normalize"], []):
        folder = tmp_path_factory.mktemp("seed")
        argv = ["narrate", str(SEED), "--engine", "espeak", "--no-cache", "-o", str(folder), *extra]
        assert main(argv, stdout=io.StringIO(), stderr=io.StringIO()) == 0
        paths.append(folder / f"{SEED.stem}.mp3")
    return paths[0], paths[1]


def test_seed_narration_is_normalized(seed_pair: tuple[Path, Path]) -> None:
    raw, normalized = seed_pair
    before, before_peak = measure(raw)
    after, after_peak = measure(normalized)
    print(f"seed before: {before:.2f} LUFS {before_peak:.2f} dBTP")
    print(f"seed after: {after:.2f} LUFS {after_peak:.2f} dBTP")
    assert abs(after - TARGET) <= 0.5
    assert after_peak <= CEILING + PEAK_TOLERANCE_DB
    manifest = json.loads(normalized.with_suffix(".json").read_text("utf-8"))
    report = manifest["loudness"]
    assert report["target_lufs"] == TARGET
    assert abs(report["output_lufs"] - after) <= 0.5
    assert after_peak <= report["output_true_peak_dbtp"] + 0.1
    assert abs(report["input_lufs"] - before) <= 1.0
    decoded_ms = len(decode_mp3(normalized)) * 1000 / 44100
    assert abs(decoded_ms - manifest["duration_ms"]) <= 50, "normalizing never changes the length"

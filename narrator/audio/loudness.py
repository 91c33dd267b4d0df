"""Loudness normalization (ITU-R BS.1770 / EBU R128) in two streaming passes.

Pass one (:class:`Normalizer` used as a PCM sink) spools the assembled PCM to a temporary raw
file while measuring its integrated loudness and true peak incrementally. Pass two
(:meth:`Normalizer.finish`) reads the file back in chunks, applies one linear gain that brings
the narration to the target loudness, and, only where that gain would push the true peak over the
ceiling, a look-ahead limiter that lowers the gain smoothly around those peaks (and the gain is
raised by what the limiter took, measured on a dry run). The number of
samples never changes, so chapter and cue times are untouched. Memory stays flat: only a few
chunks of audio are held at any time, whatever the length of the narration.

Everything is numpy (K-weighting in :mod:`narrator.audio.kweight`, true peak in
:mod:`narrator.audio.truepeak`): importing scipy would cost more than a second at start-up.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import math
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from narrator.audio.assemble import PcmSink
from narrator.audio.kweight import KWeighting
from narrator.audio.segments import Layout, Level, SegmentSource, write_segmented
from narrator.audio.truepeak import TruePeakMeter
from narrator.audio_settings import EncodeSettings, LoudnessReport, LoudnessTarget
from narrator.blobcache import BlobCache
from narrator.errors import OutputError
from narrator.ffmpeg import decode_command
from narrator.processes import child_setup

Samples = npt.NDArray[np.float64]

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
SUBBLOCK_S = 0.1  # gating blocks are 400 ms long and overlap by 75 %: four 100 ms sub-blocks
#: MP3 encoding adds a little overshoot to peaks; the limiter aims this far under the ceiling.
ENCODER_HEADROOM_DB = 0.5
LIMITER_WINDOW_S = 0.01  # the limiter's gain ramps over about twice this long
CHUNK_FRAMES = 1 << 16
_READ_BYTES = 1 << 20  # read from ffmpeg in pieces this large (half a million samples)
MAKE_UP_ROUNDS = 2  # dry runs that correct the gain for the loudness the limiter removes
MAKE_UP_TOLERANCE_LU = 0.05
ENCODE_ATTEMPTS = 3  # encodes at most, each corrected by what the decoded MP3 measured
ENCODE_TOLERANCE_LU = 0.25
#: What 64 kbit/s MP3 coding takes from espeak-ng's speech (measured: about 0.4 LU); the first
#: encode aims this much higher, so a second encode is the exception, not the rule.
CODEC_LOSS_LU = 0.4
GAIN_STEP_DB = 0.01  # gains are rounded to this, as the manifest records them


@dataclass(frozen=True)
class GainPlan:
    """How pass two treats the audio: one gain, and a limiter ceiling where peaks need one."""

    gain_db: float
    ceiling: float | None  # the limiter's ceiling (amplitude), or None: no limiting needed
    limit: float  # the ceiling the peaks are aimed under, limited or not
    aim_lufs: float
    input_lufs: float
    input_peak: float

    @property
    def gain(self) -> float:
        return float(10 ** (self.gain_db / 20))


def power_to_lufs(power: float) -> float:
    """Loudness in LUFS of a mean square of K-weighted samples (mono)."""
    return -0.691 + 10 * math.log10(power) if power > 0 else -math.inf


def to_db(amplitude: float) -> float:
    """An amplitude relative to full scale, in dB (minus infinity for zero)."""
    return 20 * math.log10(amplitude) if amplitude > 0 else -math.inf


class LoudnessMeter:
    """Integrated loudness of a mono stream fed in pieces of any size (BS.1770-4 gating).

    Samples are gathered into blocks of the K-weighting filter's FFT size before they are
    filtered, so many small pieces cost no more than a few large ones.
    """

    def __init__(self, rate: int) -> None:
        self._filter = KWeighting(rate)
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


def gated_loudness(powers: Sequence[float]) -> float:
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


def measure_file(path: Path, rate: int) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (amplitude) of an audio file, decoded by ffmpeg.

    The file is decoded to mono 16-bit PCM at ``rate`` Hz (its own rate, so nothing is
    resampled; what a player plays) and measured as it streams in. ffmpeg hands its decoded
    frames on in large batches (each hand-over between its threads costs more than decoding an
    MP3 frame), and the pipe is widened so it decodes ahead while the audio is measured. The true
    peak is found without oversampling the quiet parts (see :func:`peak_above`).
    """
    command = decode_command(str(path), rate, CHUNK_FRAMES)
    loudness, peak = LoudnessMeter(rate), TruePeakMeter()
    with subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        preexec_fn=child_setup(),
    ) as proc:
        stream = proc.stdout
        if stream is None:
            raise RuntimeError("ffmpeg's output is not a pipe")
        _measure_stream(stream, loudness, peak)
        code = proc.wait()
    if code != 0:
        raise OutputError(f"{path}: the encoded audio cannot be decoded for measuring")
    return loudness.integrated(), peak.true_peak()


def mp3_level(data: bytes, rate: int) -> Level:
    """What an MP3 (one segment, in memory) measures decoded at ``rate``: sub-block powers, true peak.

    The decoded audio is measured as it streams out of ffmpeg, so a paragraph of any length costs
    a few chunks of memory.
    """
    command = decode_command("pipe:0", rate, CHUNK_FRAMES)
    loudness, peak = LoudnessMeter(rate), TruePeakMeter()
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        preexec_fn=child_setup(),
    ) as proc:
        if proc.stdin is None or proc.stdout is None:
            raise RuntimeError("ffmpeg's input and output are not pipes")
        feeder = threading.Thread(target=_feed, args=(proc.stdin, data), daemon=True)
        feeder.start()
        _measure_stream(proc.stdout, loudness, peak)
        feeder.join()
        code = proc.wait()
    if code != 0:
        raise OutputError("an encoded segment cannot be decoded for measuring")
    return Level(tuple(loudness.powers()), peak.true_peak())


def _feed(stream: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError):
        stream.write(data)
    with contextlib.suppress(BrokenPipeError):
        stream.close()


def _measure_stream(stream: IO[bytes], loudness: LoudnessMeter, peak: TruePeakMeter) -> None:
    """Feed 16-bit PCM read from ``stream`` to both meters, a chunk at a time."""
    _widen_pipe(stream)
    odd = b""
    while block := stream.read(_READ_BYTES):
        data = odd + block
        even = len(data) - len(data) % 2
        odd = data[even:]
        x = _floats(data[:even])
        loudness.add(x)
        peak.add(x)


def _widen_pipe(stream: IO[bytes]) -> None:
    """Let a pipe hold ``_READ_BYTES`` (Linux), so its writer is not held up by every read."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        return
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setting is None:
        return
    with contextlib.suppress(OSError):  # a system limit lower than this: keep the default
        fcntl.fcntl(stream.fileno(), setting, _READ_BYTES)


def _floats(pcm: bytes) -> Samples:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def _pcm(x: Samples) -> bytes:
    return np.clip(np.rint(x * 32768.0), -32768, 32767).astype("<i2").tobytes()


def _read_frames(
    spool: IO[bytes], dtype: str, total: int, start: int, stop: int, kind: type[np.floating[Any]] = np.float64
) -> npt.NDArray[Any]:
    """Items ``start``..``stop`` of a spooled array of ``total`` items as ``kind``, zero outside it.

    Reads by position (``os.pread``), so several threads may read one spool at once.
    """
    width = np.dtype(dtype).itemsize
    lo, hi = max(0, start), min(total, stop)
    inner: npt.NDArray[Any] = np.zeros(0, dtype=kind)
    if hi > lo:
        data = os.pread(spool.fileno(), (hi - lo) * width, lo * width)
        inner = np.frombuffer(data, dtype=dtype).astype(kind)
    if lo == start and hi == stop:
        return inner
    return np.concatenate([np.zeros(lo - start, dtype=kind), inner, np.zeros(stop - hi, dtype=kind)])


class Normalizer:
    """A PCM sink that normalizes a whole narration's loudness on its way to an MP3 (or any sink).

    Use as a context manager (it owns two temporary files: the PCM and its true-peak envelope):
    ``write`` PCM as it is assembled, then call ``encode(path)`` (or ``finish(sink)``) once, which
    writes the normalized PCM (same length) and reports the numbers.
    """

    def __init__(self, rate: int, target: LoudnessTarget | None = None) -> None:
        self.rate = rate
        self.target = target or LoudnessTarget()
        self.frames_written = 0
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="narrator-pcm-")  # noqa: SIM115 (closed by __exit__)
        self._envelope: IO[bytes] = tempfile.TemporaryFile(prefix="narrator-peak-")  # noqa: SIM115 (same)
        self._loudness = LoudnessMeter(rate)
        self._peak = TruePeakMeter(self._envelope)
        self._odd = b""

    def __enter__(self) -> Normalizer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._spool.close()
        self._envelope.close()

    def write(self, pcm: bytes) -> None:
        """Take the next mono 16-bit PCM at ``rate``; measured now, written out later."""
        data = self._odd + pcm
        even = len(data) - len(data) % 2
        self._odd = data[even:]
        if not even:
            return
        self._spool.write(data[:even])
        step = 2 * CHUNK_FRAMES  # a long sentence is measured in pieces, so memory stays small
        for offset in range(0, even, step):
            x = _floats(data[offset : min(even, offset + step)])
            self._loudness.add(x)
            self._peak.add(x)
        self.frames_written += even // 2

    def finish(
        self,
        sink: PcmSink,
        offset_db: float = 0.0,
        headroom_db: float = ENCODER_HEADROOM_DB,
        measure_output: bool = True,
    ) -> LoudnessReport:
        """Write the normalized audio to ``sink`` and return what was measured.

        The audio is aimed ``offset_db`` above the target and its true peaks ``headroom_db`` below
        the ceiling (the encoder's corrections; see :meth:`encode`). Without ``measure_output``
        the report's output figures are the aims, for the caller to measure.
        """
        plan = self.plan(offset_db, headroom_db)
        out_loudness = LoudnessMeter(self.rate)
        out_peak = TruePeakMeter()
        for chunk in self._chunks(plan.gain, plan.ceiling):
            if measure_output:
                out_loudness.add(chunk)
                out_peak.add(chunk)
            sink.write(_pcm(chunk))
        return self._report(
            plan,
            out_loudness.integrated() if measure_output else plan.aim_lufs,
            to_db(out_peak.true_peak()) if measure_output else to_db(plan.limit),
        )

    def plan(
        self, offset_db: float = 0.0, headroom_db: float = ENCODER_HEADROOM_DB, gain_db: float | None = None
    ) -> GainPlan:
        """The gain (and limiter ceiling, if peaks need it) that brings the audio to the target.

        The aim is ``offset_db`` above the target and the peaks ``headroom_db`` below the ceiling.
        A ``gain_db`` given (an earlier narration's) is used as it is, with no make-up rounds.
        """
        input_lufs = self._loudness.integrated()
        input_peak = self._peak.true_peak()
        self._flush()
        aim = self.target.integrated_lufs + offset_db
        ceiling = 10 ** ((self.target.true_peak_dbtp - headroom_db) / 20)
        base = GainPlan(0.0, None, ceiling, aim, input_lufs, input_peak)
        if gain_db is not None:
            return self._with_gain(base, gain_db)
        gain_db = aim - input_lufs if math.isfinite(input_lufs) else 0.0
        limited = input_peak * 10 ** (gain_db / 20) > ceiling
        if limited and math.isfinite(input_lufs):
            gain_db = self._make_up(gain_db, aim, ceiling)
        return self._with_gain(base, gain_db)

    def _with_gain(self, plan: GainPlan, gain_db: float) -> GainPlan:
        """``plan`` with ``gain_db`` (rounded to GAIN_STEP_DB, so runs can agree on it exactly)."""
        gain_db = round(gain_db / GAIN_STEP_DB) * GAIN_STEP_DB
        limited = plan.input_peak * 10 ** (gain_db / 20) > plan.limit
        return replace(plan, gain_db=gain_db, ceiling=plan.limit if limited else None)

    def _report(self, plan: GainPlan, output_lufs: float, output_peak_dbtp: float) -> LoudnessReport:
        return LoudnessReport(
            target_lufs=self.target.integrated_lufs,
            input_lufs=plan.input_lufs,
            input_true_peak_dbtp=to_db(plan.input_peak),
            gain_db=plan.gain_db,
            limited=plan.ceiling is not None,
            output_lufs=output_lufs,
            output_true_peak_dbtp=output_peak_dbtp,
        )

    def _flush(self) -> None:
        """Make everything written so far visible to positional reads (``os.pread``)."""
        self._spool.flush()
        self._envelope.flush()

    def normalized(self, plan: GainPlan, start: int, stop: int) -> Iterator[bytes]:
        """Frames ``start``..``stop`` of the audio with ``plan`` applied, as 16-bit PCM, in chunks."""
        return (_pcm(chunk) for chunk in self._chunks(plan.gain, plan.ceiling, start, stop))

    def _key(self, start: int, stop: int, how: str) -> str:
        """A name for frames ``start``..``stop`` treated ``how``: a hash of them and of the frames
        around them that the limiter looks at, so equal keys always mean equal audio."""
        reach = 2 * max(1, round(self.rate * LIMITER_WINDOW_S)) + 1
        lo, hi = max(0, start - reach), min(self.frames_written, stop + reach)
        digest = hashlib.sha256()
        for piece in self.raw(lo, hi):
            digest.update(piece)
        return f"{digest.hexdigest()}|{start - lo}|{hi - stop}|{self.rate}|{how}"

    def raw(self, start: int, stop: int) -> Iterator[bytes]:
        """Frames ``start``..``stop`` of the audio as it was written, in chunks."""
        for at in range(start, stop, CHUNK_FRAMES):
            yield os.pread(self._spool.fileno(), 2 * (min(stop, at + CHUNK_FRAMES) - at), 2 * at)

    def encode_segments(
        self,
        path: Path,
        settings: EncodeSettings,
        boundaries: Sequence[int],
        cache: BlobCache | None = None,
        workers: int = 2,
        normalize: bool = True,
        reuse_gain_db: float | None = None,
    ) -> tuple[LoudnessReport | None, Layout]:
        """Encode the audio to the MP3 ``path`` in segments starting at frames ``boundaries``.

        Without ``normalize`` the audio is encoded as written. Otherwise lossy coding changes
        loudness (it drops inaudible energy) and peaks (it adds overshoot), so the file is decoded
        and measured as a player hears it, and when it misses the target by more than
        ``ENCODE_TOLERANCE_LU`` or its true peak passes the ceiling the measured error is corrected
        and the file encoded again (only segments whose audio changed are re-encoded). The
        report's output figures are those of the final MP3.

        ``reuse_gain_db`` is the gain an earlier narration of the same article used: it is tried
        first, so that paragraphs that did not change produce the same audio and their encoded
        segments come from the cache; it is kept only if the result measures within tolerance.
        """
        self._flush()
        edges = [*boundaries, self.frames_written]
        ranges = [(a, b) for a, b in itertools.pairwise(edges) if b > a]
        if not normalize:
            sources = [SegmentSource(self._key(a, b, "as written"), functools.partial(self.raw, a, b))
                       for a, b in ranges]
            return None, write_segmented(path, sources, self.rate, settings, cache, workers)
        measure = functools.partial(mp3_level, rate=settings.sample_rate)
        offset_db, headroom_db = CODEC_LOSS_LU, ENCODER_HEADROOM_DB
        for attempt in range(ENCODE_ATTEMPTS):
            # An earlier narration's gain first (its segments are in the cache); the measurement
            # of the result decides whether it still fits, else the next attempt plans afresh.
            reused = attempt == 0 and reuse_gain_db is not None
            plan = self.plan(offset_db, headroom_db, reuse_gain_db if reused else None)
            how = f"gain {plan.gain_db:.2f} dB, ceiling {plan.ceiling!r}"
            sources = [
                SegmentSource(self._key(a, b, how), functools.partial(self.normalized, plan, a, b))
                for a, b in ranges
            ]
            layout = write_segmented(path, sources, self.rate, settings, cache, workers, measure)
            lufs = gated_loudness([p for level in layout.levels for p in level.powers])
            peak = max(level.true_peak for level in layout.levels)
            report = self._report(plan, lufs, to_db(peak))
            if not math.isfinite(lufs) or not math.isfinite(plan.input_lufs):
                break
            error = self.target.integrated_lufs - lufs
            excess = to_db(peak) - self.target.true_peak_dbtp
            if abs(error) <= ENCODE_TOLERANCE_LU and excess <= 0:
                break
            if not reused:  # a reused gain's miss says nothing about the fresh plan's aim
                offset_db += error
                headroom_db += max(0.0, excess + 0.1)
        return report, layout

    def encode(self, path: Path, settings: EncodeSettings | None = None) -> LoudnessReport:
        """Normalize and encode the audio to the MP3 ``path`` as one segment (see encode_segments)."""
        report, _ = self.encode_segments(path, settings or EncodeSettings(), [0])
        if report is None:
            raise RuntimeError("encode_segments normalizes unless told not to")
        return report

    def _make_up(self, gain_db: float, aim: float, ceiling: float) -> float:
        """The gain that reaches ``aim`` LUFS once the limiter has taken its share of the loudness.

        Each round measures a dry run of the limited audio and adds the shortfall to the gain.
        """
        for _ in range(MAKE_UP_ROUNDS):
            meter = LoudnessMeter(self.rate)
            for chunk in self._chunks(10 ** (gain_db / 20), ceiling):
                meter.add(chunk)
            shortfall = aim - meter.integrated()
            if not math.isfinite(shortfall) or abs(shortfall) < MAKE_UP_TOLERANCE_LU:
                break
            gain_db += shortfall
        return gain_db

    def _chunks(
        self, gain: float, ceiling: float | None, first: int = 0, last: int | None = None
    ) -> Iterator[Samples]:
        """Spooled frames ``first``..``last`` in chunks: times ``gain``, then (if ``ceiling``) limited."""
        window = max(1, round(self.rate * LIMITER_WINDOW_S))
        end = self.frames_written if last is None else min(last, self.frames_written)
        for start in range(first, end, CHUNK_FRAMES):
            stop = min(start + CHUNK_FRAMES, end)
            samples = _read_frames(self._spool, "<i2", self.frames_written, start, stop)
            samples *= gain / 32768.0
            if ceiling is not None:
                samples *= self._limiter_gain(start, stop, gain, ceiling, window)
            yield samples

    def _limiter_gain(self, start: int, stop: int, gain: float, ceiling: float, w: int) -> Samples:
        """Per frame ``start``..``stop``, the factor that keeps true peaks times ``gain`` under ``ceiling``.

        The wanted factor per sample (from the true-peak envelope measured in the first pass) is
        eroded (a running minimum over ``2w+1`` samples), then smoothed (a running mean over
        ``2w+1``). Every value in the mean's window is at most the wanted factor at the centre
        sample, so no sample passes the ceiling, and the gain changes gradually over about ``4w``
        samples instead of clipping.
        """
        reach = 2 * w  # the factor at a sample depends on peaks up to 2w samples away
        # In single precision: a factor's last digits are far below what 16-bit audio resolves.
        env = _read_frames(
            self._envelope, "<f4", self.frames_written, start - reach, stop + reach, np.float32
        )
        limit = np.float32(ceiling / gain)  # the envelope over this wants a factor under 1
        hot = np.flatnonzero(env > limit)
        factor: Samples = np.ones(stop - start)
        if not len(hot):
            return factor  # nothing to limit: the filters below would give 1 everywhere
        # Frame i depends on env[i : i + 2 * reach]: only frames first..last can be below 1.
        first, last = max(0, int(hot[0]) - 2 * reach), min(stop - start, int(hot[-1]) + 1)
        near = env[first : last + 2 * reach]
        wanted = np.minimum(np.float32(1), limit / np.maximum(near, np.float32(1e-12)))
        eroded = running_min(wanted, 2 * w + 1)  # value i is centred on wanted[i + w]
        smooth = running_mean(eroded, 2 * w + 1)  # centred on wanted[i + 2w]: one per frame
        factor[first:last] = np.minimum(smooth, wanted[reach : reach + last - first])
        return factor


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

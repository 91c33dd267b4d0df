"""A narration's PCM spooled, its loudness planned from cached clip statistics, encoded once.

The assembled PCM is spooled to a temporary file (memory stays flat whatever the length). Each
clip's loudness statistics come from the cache (keyed by the clip's samples) or are measured once;
the gain follows from them (:mod:`narrator.audio.gain`). Each paragraph is then encoded as one
MP3 segment, named in the cache by its samples and the gain, so an unchanged paragraph is not
encoded again, whatever the output path.
"""

from __future__ import annotations

import bisect
import itertools
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import numpy as np

from narrator.audio.gain import LIMITER_VERSION, GainPlan, limit_measured, plan_gain
from narrator.audio.meter import ClipLevel, Samples, cached_clip_level, pcm_digest
from narrator.audio.segments import Layout, SegmentSource, write_segmented
from narrator.audio.truepeak import PCM_SCALE
from narrator.audio_settings import EncodeSettings, LoudnessReport, LoudnessTarget
from narrator.blobcache import BlobCache
from narrator.cores import core
from narrator.record import record

CHUNK_FRAMES = 1 << 16


def to_pcm(x: Samples) -> bytes:
    """Floats (full scale = 1.0) as 16-bit PCM, rounded and clipped."""
    return rounded_pcm(x * PCM_SCALE)


def rounded_pcm(scaled: Samples) -> bytes:
    """Floats on the 16-bit scale (full scale = ``PCM_SCALE``) as 16-bit PCM, rounded and clipped
    (in place: ``scaled`` is spent)."""
    np.rint(scaled, out=scaled)
    np.clip(scaled, -32768, 32767, out=scaled)
    return scaled.astype("<i2").tobytes()


class LimitedClips:
    """The hot clips as the plan's limiter left them, kept as 16-bit PCM in a temporary file so
    the encoder does not limit them again (only those of the last gain it is told of)."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="narrator-limited-")  # noqa: SIM115 (closed by close)
        self._gain_db: float | None = None
        self._where: dict[int, tuple[int, int]] = {}  # clip index: offset and length in bytes
        self._end = 0

    def keep(self, index: int, gain_db: float, limited: Samples) -> None:
        if gain_db != self._gain_db:
            self._gain_db, self._where, self._end = gain_db, {}, 0
        pcm = rounded_pcm(limited)
        os.pwrite(self._file.fileno(), pcm, self._end)
        self._where[index] = (self._end, len(pcm))
        self._end += len(pcm)

    def get(self, index: int, gain_db: float) -> bytes | None:
        """Clip ``index`` limited at ``gain_db``, if it was kept."""
        if gain_db != self._gain_db or index not in self._where:
            return None
        offset, length = self._where[index]
        return os.pread(self._file.fileno(), length, offset)

    def close(self) -> None:
        self._file.close()


class Spool:
    """A PCM sink that keeps the assembled narration in a temporary file (a context manager)."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="narrator-pcm-")  # noqa: SIM115 (closed by __exit__)
        self.frames = 0
        self.limited = LimitedClips()  # the hot clips as the plan limited them
        self._digests: dict[tuple[int, int], str] = {}  # clip spans hashed, by (start, end)

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._file.close()
        self.limited.close()

    def write(self, pcm: bytes) -> None:
        self._file.write(pcm)
        self.frames += len(pcm) // 2

    def read(self, start: int, stop: int) -> bytes:
        """Frames ``start``..``stop`` as 16-bit PCM (positional reads: threads may share the spool)."""
        self._file.flush()
        return os.pread(self._file.fileno(), 2 * (stop - start), 2 * start) if stop > start else b""

    def clip_digest(self, start: int, stop: int, pcm: bytes | None = None) -> str:
        """The :func:`pcm_digest` of the clip at frames ``start``..``stop`` (``pcm``, if the caller
        holds it), made once: the clip's level, its limited levels and its segment's name all use it."""
        span = (start, stop)
        found = self._digests.get(span)
        if found is None:
            found = self._digests[span] = pcm_digest(self.read(start, stop) if pcm is None else pcm)
        return found


@record
class ClipSpan:
    """Where one clip lies in the spool, in frames."""

    start: int
    end: int


def clip_levels(
    spool: Spool, clips: Sequence[ClipSpan], rate: int, cache: BlobCache | None
) -> list[ClipLevel]:
    """Each clip's loudness statistics (from the cache when its samples were measured before), each
    measured on one of the machine's core slots (:mod:`narrator.cores`): while later sentences are
    synthesized on the others, the process never asks for more cores than there are."""
    found = []
    for clip in clips:
        with core():
            pcm = spool.read(clip.start, clip.end)
            digest = spool.clip_digest(clip.start, clip.end, pcm) if cache is not None else None
            found.append(cached_clip_level(pcm, rate, cache, digest))
    return found


def plan_narration(
    spool: Spool,
    clips: Sequence[ClipSpan],
    rate: int,
    target: LoudnessTarget,
    cache: BlobCache | None,
    levels: Sequence[ClipLevel] | None = None,
    workers: int = 1,
) -> tuple[GainPlan, Sequence[ClipLevel]]:
    """The gain for the spooled narration, from its clips' statistics (``levels`` if already known);
    the hot clips it limits (``workers`` at a time) are kept in ``spool.limited``."""
    if levels is None:
        levels = clip_levels(spool, clips, rate, cache)

    def read_clip(index: int) -> bytes:
        return spool.read(clips[index].start, clips[index].end)

    def digest_clip(index: int) -> str:
        return spool.clip_digest(clips[index].start, clips[index].end)

    plan = plan_gain(
        levels, [c.start for c in clips], spool.frames, rate, target, read_clip, cache,
        spool.limited.keep, workers, digest_clip,
    )
    return plan, levels


def encode_narration(
    path: Path,
    spool: Spool,
    rate: int,
    clips: Sequence[ClipSpan],
    boundaries: Sequence[int],
    settings: EncodeSettings,
    target: LoudnessTarget | None,
    cache: BlobCache | None = None,
    workers: int = 1,
    levels: Sequence[ClipLevel] | None = None,
) -> tuple[LoudnessReport | None, Layout]:
    """Encode the spooled narration to ``path`` in segments starting at frames ``boundaries``.

    With a ``target`` the gain planned from the clips' statistics (``levels``, if the caller
    gathered them while assembling) is applied first (clips the gain would push over the ceiling
    limited); the MP3 is encoded once and not measured again.
    """
    edges = [*boundaries, spool.frames]
    ranges = [(a, b) for a, b in itertools.pairwise(edges) if b > a]
    if target is None:
        sources = [
            SegmentSource(f"{_named(spool, a, b, clips, cache)}|{rate}|as written", _raw(spool, a, b))
            for a, b in ranges
        ]
        return None, write_segmented(path, sources, rate, settings, cache, workers)
    plan, levels = plan_narration(spool, clips, rate, target, cache, levels, workers)
    hot = _hot(clips, levels, plan)
    how = f"gain {plan.gain_db:.2f} dB, ceiling {plan.ceiling!r}, limiter {LIMITER_VERSION}"
    sources = [
        SegmentSource(
            f"{_named(spool, a, b, clips, cache)}|{rate}|{how}",
            _Gained(spool, a, b, plan, [(i, c) for i, c in hot if a <= c.start < b], rate),
        )
        for a, b in ranges
    ]
    return plan.report(target), write_segmented(path, sources, rate, settings, cache, workers)


def narration_pcm(
    spool: Spool,
    rate: int,
    clips: Sequence[ClipSpan],
    target: LoudnessTarget | None,
    cache: BlobCache | None = None,
    levels: Sequence[ClipLevel] | None = None,
    workers: int = 1,
) -> tuple[LoudnessReport | None, Iterator[bytes]]:
    """The whole spooled narration as 16-bit PCM pieces, with the gain planned as for the MP3 (for
    an encoder that takes one stream, such as AAC in MP4), and the planned report."""
    if target is None:
        return None, _raw(spool, 0, spool.frames)()
    plan, levels = plan_narration(spool, clips, rate, target, cache, levels, workers)
    return plan.report(target), _Gained(spool, 0, spool.frames, plan, _hot(clips, levels, plan), rate)()


def _named(spool: Spool, start: int, stop: int, clips: Sequence[ClipSpan], cache: BlobCache | None) -> str:
    """What names a segment's samples (frames ``start``..``stop``) in the cache: its length and
    where each clip in it lies, with the clip's digest. The assembler writes silence (zeros)
    everywhere else, so that names the samples exactly, and each clip is hashed once per run
    (its digest also keys its levels). Not made when there is no cache."""
    if cache is None:
        return "uncached"
    first = bisect.bisect_left(clips, start, key=_start)
    inside = list(itertools.takewhile(lambda c: c.start < stop, clips[first:]))
    if (first and clips[first - 1].end > start) or (inside and inside[-1].end > stop):
        raise ValueError("a segment must hold whole clips")  # the assembler cuts in pauses only
    layout = [f"{c.start - start}:{c.end - start}:{spool.clip_digest(c.start, c.end)}" for c in inside]
    return BlobCache.key("segment-pcm", str(stop - start), *layout)


def _start(clip: ClipSpan) -> int:
    return clip.start


def _hot(
    clips: Sequence[ClipSpan], levels: Sequence[ClipLevel], plan: GainPlan
) -> list[tuple[int, ClipSpan]]:
    """The clips (with their index) that the plan's gain pushes over its ceiling."""
    return [(i, c) for i, (c, level) in enumerate(zip(clips, levels, strict=True)) if plan.hot(level)]


@record
class _raw:
    spool: Spool
    start: int
    stop: int

    def __call__(self) -> Iterator[bytes]:
        for at in range(self.start, self.stop, CHUNK_FRAMES):
            yield self.spool.read(at, min(self.stop, at + CHUNK_FRAMES))


@record
class _Gained:
    """Frames ``start``..``stop`` with the plan's gain, hot clips limited, as 16-bit PCM pieces."""

    spool: Spool
    start: int
    stop: int
    plan: GainPlan
    hot: list[tuple[int, ClipSpan]]
    rate: int

    def __call__(self) -> Iterator[bytes]:
        position = self.start
        for index, clip in self.hot:
            yield from self._plain(position, clip.start)
            kept = self.spool.limited.get(index, self.plan.gain_db)
            if kept is None:
                x = np.frombuffer(self.spool.read(clip.start, clip.end), dtype="<i2")
                limited, _ = limit_measured(x, self.plan.gain, self.plan.ceiling, self.rate, PCM_SCALE)
                kept = rounded_pcm(limited)
            yield kept
            position = clip.end
        yield from self._plain(position, self.stop)

    def _plain(self, start: int, stop: int) -> Iterator[bytes]:
        for at in range(start, stop, CHUNK_FRAMES):
            samples = np.frombuffer(self.spool.read(at, min(stop, at + CHUNK_FRAMES)), dtype="<i2")
            yield rounded_pcm(samples * self.plan.gain)  # to_pcm(floats(...) * gain), bit for bit

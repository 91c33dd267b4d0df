"""Wiring for ``-o FILE.m4b`` / ``.m4a``: the normalized narration encoded once as AAC in MP4.

The MP3 path encodes paragraphs as cached segments; here the whole narration is one AAC stream
(ffmpeg's MP4 edit list hides the encoder's priming, so the file's time is the PCM's time and
chapters and cues are where assembly put them). The file is decoded and measured afterwards, and
encoded once more, corrected, if it misses the loudness target or the true-peak ceiling.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from narrator.audio.assemble import AssembledParagraph
from narrator.audio.loudness import ENCODE_TOLERANCE_LU, ENCODER_HEADROOM_DB, Normalizer, measure_file, to_db
from narrator.audio.mp4 import Mark, Mp4Writer
from narrator.audio.segments import Layout, Placement
from narrator.audio_settings import EncodeSettings, LoudnessReport
from narrator.model import ChapterMark

ATTEMPTS = 2


def continuous_layout(spans: Sequence[AssembledParagraph], frames: int, rate: int) -> Layout:
    """The layout of audio encoded in one piece: every paragraph where assembly put it."""
    return Layout(tuple(Placement(s.chapter.start, s.chapter.start) for s in spans), frames, rate)


def encode_mp4(
    normalizer: Normalizer,
    path: Path,
    settings: EncodeSettings,
    chapters: Sequence[ChapterMark],
    audiobook: bool,
    normalize: bool = True,
) -> LoudnessReport | None:
    """Encode the narration in ``normalizer`` to the MP4 ``path`` with ``chapters``; the report's
    output figures are measured on the decoded file."""
    marks = [Mark(c.start_ms, c.end_ms, c.title) for c in chapters]
    rate = normalizer.rate
    if not normalize:
        with Mp4Writer(path, rate, settings, marks, audiobook) as writer:
            for piece in normalizer.raw(0, normalizer.frames_written):
                writer.write(piece)
        return None
    offset_db, headroom_db = 0.0, ENCODER_HEADROOM_DB
    report: LoudnessReport | None = None
    for _ in range(ATTEMPTS):
        with Mp4Writer(path, rate, settings, marks, audiobook) as writer:
            planned = normalizer.finish(writer, offset_db, headroom_db, measure_output=False)
        lufs, peak = measure_file(path, settings.sample_rate)
        report = replace(planned, output_lufs=lufs, output_true_peak_dbtp=to_db(peak))
        if not (math.isfinite(lufs) and math.isfinite(planned.input_lufs)):
            break
        error = normalizer.target.integrated_lufs - lufs
        excess = to_db(peak) - normalizer.target.true_peak_dbtp
        if abs(error) <= ENCODE_TOLERANCE_LU and excess <= 0:
            break
        offset_db += error
        headroom_db += max(0.0, excess + 0.1)
    return report

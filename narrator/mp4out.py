"""Wiring for ``-o FILE.m4b`` / ``.m4a``: the normalized narration encoded once as AAC in MP4.

The MP3 path encodes paragraphs as cached segments; here the whole narration is one AAC stream
(ffmpeg's MP4 edit list hides the encoder's priming, so the file's time is the PCM's time and
chapters and cues are where assembly put them). The gain is planned from the clips' cached
statistics exactly as for the MP3, and the stream is encoded once; tests check the decoded file's
loudness and peak.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from narrator.audio.assemble import AssembledParagraph
from narrator.audio.encode import ClipSpan, Spool, narration_pcm
from narrator.audio.meter import ClipLevel
from narrator.audio.mp4 import Mark, Mp4Writer
from narrator.audio.segments import Layout, Placement
from narrator.audio_settings import EncodeSettings, LoudnessReport, LoudnessTarget
from narrator.blobcache import BlobCache
from narrator.model import ChapterMark


def continuous_layout(spans: Sequence[AssembledParagraph], frames: int, rate: int) -> Layout:
    """The layout of audio encoded in one piece: every paragraph where assembly put it."""
    return Layout(tuple(Placement(s.chapter.start, s.chapter.start) for s in spans), frames, rate)


def encode_mp4(
    spool: Spool,
    rate: int,
    clips: Sequence[ClipSpan],
    path: Path,
    settings: EncodeSettings,
    chapters: Sequence[ChapterMark],
    audiobook: bool,
    target: LoudnessTarget | None,
    cache: BlobCache | None = None,
    levels: Sequence[ClipLevel] | None = None,
) -> LoudnessReport | None:
    """Encode the spooled narration to the MP4 ``path`` with ``chapters``, once, with the gain the
    clips' statistics plan (as for the MP3); the report's output figures are that plan's."""
    marks = [Mark(c.start_ms, c.end_ms, c.title) for c in chapters]
    report, pieces = narration_pcm(spool, rate, clips, target, cache, levels)
    with Mp4Writer(path, rate, settings, marks, audiobook) as writer:
        for piece in pieces:
            writer.write(piece)
    return report

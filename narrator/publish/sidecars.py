"""Files beside each narration, from its real timings: WebVTT and SRT transcripts (short caption
cues of up to two lines, see :mod:`narrator.cues`) and Podcasting 2.0 JSON chapters."""

from __future__ import annotations

from collections.abc import Sequence

from narrator.model import Cue, Timeline
from narrator.publish.jsontext import dumps

CHAPTERS_VERSION = "1.2.0"


def _clock(ms: int, separator: str) -> str:
    seconds, millis = divmod(max(ms, 0), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def vtt_time(ms: int) -> str:
    """WebVTT timestamp: ``vtt_time(3_723_045) == '01:02:03.045'``."""
    return _clock(ms, ".")


def srt_time(ms: int) -> str:
    """SubRip timestamp: ``srt_time(3_723_045) == '01:02:03,045'``."""
    return _clock(ms, ",")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _lines(text: str) -> str:
    """The cue's lines (split at ``\n``), each with its spaces collapsed; no blank line inside."""
    return "\n".join(line for line in (_one_line(part) for part in text.split("\n")) if line)


def vtt_escape(text: str) -> str:
    """Cue text with ``&``, ``<`` and ``>`` escaped, so no text can end a cue or open a tag."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue], language: str = "fa") -> str:
    """A WebVTT transcript: a ``Language`` header, then one numbered cue each."""
    blocks = [f"WEBVTT\nKind: captions\nLanguage: {language}"]
    for number, cue in enumerate(cues, start=1):
        text = vtt_escape(_lines(cue.text))
        blocks.append(f"{number}\n{vtt_time(cue.start_ms)} --> {vtt_time(cue.end_ms)}\n{text}")
    return "\n\n".join(blocks) + "\n"


def to_srt(cues: Sequence[Cue]) -> str:
    """A SubRip transcript: one numbered cue each."""
    blocks = [
        f"{number}\n{srt_time(cue.start_ms)} --> {srt_time(cue.end_ms)}\n{_lines(cue.text)}"
        for number, cue in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n"


def to_chapters_json(timeline: Timeline, title: str, audio_name: str) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0): float seconds, one chapter per paragraph."""
    data = {
        "version": CHAPTERS_VERSION,
        "title": title,
        "fileName": audio_name,
        "chapters": [
            {"startTime": c.start_ms / 1000, "endTime": c.end_ms / 1000, "title": c.title}
            for c in timeline.chapters
        ],
    }
    return dumps(data, depth=2)

"""Joining sentence clips into one stream with natural pauses, and timing every part of it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from narrator.audio.pcm import resample, silence, trim_silence
from narrator.model import Clip

CHAPTER_LEAD_MS = 250  # a chapter starts this long before its first word


class PcmSink(Protocol):
    """Where assembled PCM goes (an MP3 writer, a buffer in tests)."""

    def write(self, pcm: bytes) -> None: ...


@dataclass(frozen=True)
class Pauses:
    """Silences in milliseconds: before the first word, between sentences and paragraphs, at the end."""

    lead_ms: int = 300
    sentence_ms: int = 400
    paragraph_ms: int = 1000
    tail_ms: int = 700


@dataclass(frozen=True)
class Span:
    """A stretch of the output in frames (samples) at the assembly rate."""

    start: int
    end: int


@dataclass(frozen=True)
class AssembledParagraph:
    """Where a paragraph's chapter and each of its sentences lie, in frames."""

    chapter: Span
    sentences: tuple[Span, ...]


def assemble(
    paragraphs: Iterable[Iterable[Clip]], sink: PcmSink, rate: int, pauses: Pauses | None = None
) -> Iterator[AssembledParagraph]:
    """Write each paragraph's sentence clips to ``sink`` as it arrives, yielding its spans.

    Clips are trimmed of edge silence and resampled to ``rate``. Chapters are contiguous: the
    first starts at 0, each later one ``CHAPTER_LEAD_MS`` before its first sound (the rest of the
    pause closes the chapter before it), and the last one ends with the file.
    """
    p = pauses or Pauses()
    position = 0
    pending: tuple[int, tuple[Span, ...]] | None = None
    for index, clips in enumerate(paragraphs):
        gap = silence(p.lead_ms if index == 0 else p.paragraph_ms, rate)
        sink.write(gap)
        gap_frames = len(gap) // 2
        chapter_start = position + max(0, gap_frames - rate * CHAPTER_LEAD_MS // 1000) if index else 0
        if pending is not None:
            yield AssembledParagraph(Span(pending[0], chapter_start), pending[1])
        position += gap_frames
        spans: list[Span] = []
        for number, clip in enumerate(clips):
            if number:
                between = silence(p.sentence_ms, rate)
                sink.write(between)
                position += len(between) // 2
            audio = resample(trim_silence(clip), rate).pcm
            sink.write(audio)
            spans.append(Span(position, position + len(audio) // 2))
            position += len(audio) // 2
        pending = (chapter_start, tuple(spans))
    if pending is not None:
        tail = silence(p.tail_ms, rate)
        sink.write(tail)
        position += len(tail) // 2
        yield AssembledParagraph(Span(pending[0], position), pending[1])

"""Joining sentence clips into one stream with natural pauses, and timing every part of it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from narrator.audio.meter import ring_out_frames, subblock_frames
from narrator.audio.pcm import resample, trim_silence
from narrator.model import Clip
from narrator.record import record

CHAPTER_LEAD_MS = 250  # a chapter starts this long before its first word
#: A paragraph is encoded in segments of whole sentences: a new one may start once the segment
#: holds this much audio (and must start once it holds ``SEGMENT_MAX_S``).
SEGMENT_MIN_S = 4.0
SEGMENT_MAX_S = 12.0


class PcmSink(Protocol):
    """Where assembled PCM goes (an MP3 writer, a buffer in tests)."""

    def write(self, pcm: bytes) -> None: ...


@record
class Pauses:
    """Silences in milliseconds: before the first word, between sentences and paragraphs, at the end."""

    lead_ms: int = 300
    sentence_ms: int = 400
    paragraph_ms: int = 1000
    tail_ms: int = 700


@record
class Span:
    """A stretch of the output in frames (samples) at the assembly rate."""

    start: int
    end: int


@record
class AssembledParagraph:
    """Where a paragraph's chapter and each of its sentences lie, in frames."""

    chapter: Span
    sentences: tuple[Span, ...]


def gap_frames(position: int, ms: int, rate: int) -> int:
    """Silence to write at frame ``position`` for a pause of ``ms``: at least that long and at least
    the K-weighting filter's ring-out, ending on the 100 ms grid where the next clip starts (so each
    clip's loudness statistics, measured alone, are exactly its share of the narration's)."""
    sub = subblock_frames(rate)
    end = position + max(rate * ms // 1000, ring_out_frames(rate))
    return -(-end // sub) * sub - position


def assemble(
    paragraphs: Iterable[Iterable[Clip]], sink: PcmSink, rate: int, pauses: Pauses | None = None
) -> Iterator[AssembledParagraph]:
    """Write each paragraph's sentence clips to ``sink`` as it arrives, yielding its spans.

    Clips are trimmed of edge silence and resampled to ``rate``; each starts on the 100 ms grid
    (see :func:`gap_frames`), and the sentence spans are where the clips lie. Chapters are contiguous: the
    first starts at 0, each later one ``CHAPTER_LEAD_MS`` before its first sound (the rest of the
    pause closes the chapter before it), and the last one ends with the file.
    """
    p = pauses or Pauses()
    position = 0
    pending: tuple[int, tuple[Span, ...]] | None = None
    for index, clips in enumerate(paragraphs):
        gap = gap_frames(position, p.lead_ms if index == 0 else p.paragraph_ms, rate)
        sink.write(bytes(2 * gap))
        chapter_start = position + max(0, gap - rate * CHAPTER_LEAD_MS // 1000) if index else 0
        if pending is not None:
            yield AssembledParagraph(Span(pending[0], chapter_start), pending[1])
        position += gap
        spans: list[Span] = []
        for number, clip in enumerate(clips):
            if number:
                between = gap_frames(position, p.sentence_ms, rate)
                sink.write(bytes(2 * between))
                position += between
            audio = resample(trim_silence(clip), rate).pcm
            sink.write(audio)
            spans.append(Span(position, position + len(audio) // 2))
            position += len(audio) // 2
        pending = (chapter_start, tuple(spans))
    if pending is not None:
        tail = max(rate * p.tail_ms // 1000, ring_out_frames(rate))
        sink.write(bytes(2 * tail))
        position += tail
        yield AssembledParagraph(Span(pending[0], position), pending[1])


def segment_starts(
    paragraphs: Sequence[AssembledParagraph], may_start: Sequence[Sequence[bool]], rate: int
) -> list[int]:
    """The frames where the narration's MP3 segments start: each paragraph's chapter start, and
    inside a paragraph the middle of the pause before a sentence where a segment is cut.

    A segment is cut before a sentence once it holds ``SEGMENT_MIN_S`` of audio if the sentence
    ``may_start`` one (a bit of its content, so the same sentence decides the same way wherever it
    stands), and once it holds ``SEGMENT_MAX_S`` whatever the sentence. An edit then changes the
    segment its sentences lie in (and at most the next, until the cuts fall in step again), not
    the whole paragraph. Cuts are measured from the paragraph's first clip, which starts on the
    100 ms grid, so they do not move when an earlier paragraph changes length; each lies in a
    pause, where the next segment's encoder delay is silence among silence.
    """
    starts: list[int] = []
    for paragraph, marks in zip(paragraphs, may_start, strict=True):
        begin = paragraph.chapter.start
        starts.append(begin)
        sentences = paragraph.sentences
        for before, span, mark in zip(sentences, sentences[1:], marks[1:], strict=False):
            held = before.end - begin
            if held >= SEGMENT_MAX_S * rate or (mark and held >= SEGMENT_MIN_S * rate):
                begin = (before.end + span.start) // 2
                starts.append(begin)
    return starts

"""Plain typed values that flow between the stages of a narration."""

from __future__ import annotations

from dataclasses import field

from narrator.record import record

SAMPLE_WIDTH = 2  # bytes per sample: every Clip is signed 16-bit little-endian mono PCM


@record
class Sentence:
    """One sentence: ``written`` is shown to readers, ``spoken`` is what an engine receives."""

    written: str
    spoken: str


@record
class Paragraph:
    """A paragraph of the article; each paragraph becomes one chapter."""

    sentences: tuple[Sentence, ...]

    @property
    def written(self) -> str:
        return " ".join(s.written for s in self.sentences)

    @property
    def spoken(self) -> str:
        return " ".join(s.spoken for s in self.sentences)


@record
class Article:
    """A prepared article: its title and the paragraphs to narrate."""

    title: str
    paragraphs: tuple[Paragraph, ...]

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for p in self.paragraphs for s in p.sentences)


@record
class WordTime:
    """A word boundary reported by an engine, in milliseconds from the clip's start."""

    text: str
    start_ms: int
    end_ms: int


@record
class Clip:
    """Synthesized audio: mono signed 16-bit PCM at ``sample_rate``."""

    pcm: bytes
    sample_rate: int
    words: tuple[WordTime, ...] = field(default=())

    @property
    def frames(self) -> int:
        return len(self.pcm) // SAMPLE_WIDTH

    @property
    def duration_ms(self) -> int:
        return round(self.frames * 1000 / self.sample_rate)


@record
class Cue:
    """When one sentence is heard, in milliseconds from the start of the file."""

    start_ms: int
    end_ms: int
    text: str


@record
class ChapterMark:
    """One chapter (one paragraph), in milliseconds from the start of the file."""

    start_ms: int
    end_ms: int
    title: str


@record
class Timeline:
    """Where every chapter and sentence lies in the finished audio.

    ``cues`` has one cue per sentence. ``captions`` are the short cues of the transcripts (two lines
    joined by ``\n``; empty: use ``cues``). ``words`` has, for each sentence, its written words'
    times when the engine reported word times (an empty tuple for a sentence without them).
    """

    duration_ms: int
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]
    captions: tuple[Cue, ...] = ()
    words: tuple[tuple[Cue, ...], ...] = ()

    @property
    def caption_cues(self) -> tuple[Cue, ...]:
        """The cues transcripts show: the short captions, else one per sentence."""
        return self.captions or self.cues

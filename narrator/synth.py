"""Sentence-by-sentence synthesis: each sentence's spoken form through an engine, as one clip."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from narrator.engines.base import Engine
from narrator.errors import EngineError
from narrator.model import Article, Clip, Sentence, WordTime

Splitter = Callable[[str, int], list[str]]


def join_clips(clips: list[Clip]) -> Clip:
    """One clip from several of the same sample rate, word times shifted to match."""
    if len(clips) == 1:
        return clips[0]
    rate = clips[0].sample_rate
    words: list[WordTime] = []
    offset_ms = 0
    for clip in clips:
        if clip.sample_rate != rate:
            raise EngineError(f"engine returned mixed sample rates ({rate} and {clip.sample_rate} Hz)")
        words.extend(WordTime(w.text, w.start_ms + offset_ms, w.end_ms + offset_ms) for w in clip.words)
        offset_ms += clip.duration_ms
    return Clip(pcm=b"".join(c.pcm for c in clips), sample_rate=rate, words=tuple(words))


def speak_sentence(engine: Engine, sentence: Sentence, split: Splitter) -> Clip:
    """The audio of one sentence, split into pieces the engine accepts."""
    pieces = split(sentence.spoken, engine.max_chars) or [sentence.spoken]
    return join_clips([engine.synthesize(piece) for piece in pieces])


def speak_article(engine: Engine, article: Article, split: Splitter) -> Iterator[list[Clip]]:
    """Each paragraph's sentence clips, one paragraph at a time."""
    for paragraph in article.paragraphs:
        yield [speak_sentence(engine, sentence, split) for sentence in paragraph.sentences]

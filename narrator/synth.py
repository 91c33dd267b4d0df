"""Sentence-by-sentence synthesis: each sentence's spoken form through an engine, as one clip."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from narrator.engines.base import Engine
from narrator.errors import EngineError
from narrator.model import Article, Clip, Sentence, WordTime

Splitter = Callable[[str, int], list[str]]
SentenceDone = Callable[[], None]


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


def speak_article(
    engine: Engine,
    article: Article,
    split: Splitter,
    concurrency: int = 1,
    on_sentence: SentenceDone | None = None,
) -> Iterator[Iterator[Clip]]:
    """Each paragraph's sentence clips, in order, one paragraph at a time, each paragraph itself
    an iterator: no paragraph's audio is ever held whole, however long it is (read each paragraph
    before asking for the next; what is left of one is skipped).

    With ``concurrency`` > 1 up to that many sentences are synthesized at once (for network
    engines), and never more than ``2 * concurrency`` finished clips wait to be consumed, so
    memory stays bounded however long the article is.
    """
    sizes = [len(p.sentences) for p in article.paragraphs]

    def one(sentence: Sentence) -> Clip:
        clip = speak_sentence(engine, sentence, split)
        if on_sentence is not None:
            on_sentence()
        return clip

    if concurrency <= 1:
        clips_iter: Iterator[Clip] = (one(s) for s in article.sentences)
        yield from _group(clips_iter, sizes)
        return
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="synth") as pool:
        try:
            yield from _group(_ordered(pool, one, article.sentences, 2 * concurrency), sizes)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _ordered(
    pool: ThreadPoolExecutor, fn: Callable[[Sentence], Clip], items: tuple[Sentence, ...], window: int
) -> Iterator[Clip]:
    pending: deque[Future[Clip]] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _group(clips: Iterator[Clip], sizes: list[int]) -> Iterator[Iterator[Clip]]:
    for size in sizes:
        paragraph = itertools.islice(clips, size)
        yield paragraph
        for _ in paragraph:  # what the consumer left of this paragraph, so the next one lines up
            pass

"""A network engine (gtts, English) against a stand-in of Google's endpoint that answers after a delay."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from narrator.engines.base import EngineOptions
from narrator.engines.gtts import GttsEngine
from narrator.model import Article, Paragraph, Sentence
from narrator.pipeline import NarrateOptions, render
from tests.google_standin import GoogleStandin, Received, Reply, speak


def network_speedup(sentences: int, delay: float, concurrency: int) -> dict[str, object]:
    """Time one narration with requests one by one and with ``concurrency`` at once."""

    def answer(request: Received) -> Reply:
        reply = speak(request)
        return Reply(reply.status, reply.body, reply.headers, delay=delay)

    texts = [f"Sentence number {n} of the benchmark article." for n in range(sentences)]
    article = Article("bench", tuple(Paragraph((Sentence(t, t),)) for t in texts))
    timings: dict[int, float] = {}
    with GoogleStandin(answer), tempfile.TemporaryDirectory() as folder:
        engine = GttsEngine(EngineOptions(lang="en"))
        for workers in (1, concurrency):
            start = time.perf_counter()
            render(article, engine, Path(folder) / f"n{workers}.mp3", NarrateOptions(concurrency=workers))
            timings[workers] = time.perf_counter() - start
    return {
        "sentences": sentences, "delay_s": delay, "concurrency": concurrency,
        "serial_s": timings[1], "concurrent_s": timings[concurrency],
        "speedup": timings[1] / timings[concurrency], "goal": 4.0,
    }

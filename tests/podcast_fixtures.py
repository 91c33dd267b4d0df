"""Narrations made with the tone engine (exact timings) and tools to find the tones in decoded audio."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from narrator.model import Article, Paragraph, Sentence
from narrator.pipeline import NarrateOptions, Result, render
from narrator.publish.episode import PublishSettings
from tests.fakes import ToneEngine

#: Spoken lengths (characters, so 10 ms each) differ, so every tone has its own duration.
SPOKEN = (("الف" * 14, "ب" * 33), ("پ" * 21, "ت" * 47, "ث" * 18), ("ج" * 36,))
TITLE = "گزارش «آزمایشی» <ویژه> & کوتاه"


def tone_article(title: str = TITLE, salt: str = "") -> Article:
    """Three paragraphs of sentences whose written text carries characters that need escaping."""
    paragraphs = tuple(
        Paragraph(
            tuple(
                Sentence(written=f"جملهٔ {p + 1}.{s + 1} <ب> & «نقل» --> پایان{salt}.", spoken=spoken)
                for s, spoken in enumerate(sentences)
            )
        )
        for p, sentences in enumerate(SPOKEN)
    )
    return Article(title=title, paragraphs=paragraphs)


def podcast_options(publish: PublishSettings | None = None) -> NarrateOptions:
    """Default options without the synthesis cache, with ``publish`` settings."""
    return replace(NarrateOptions(cache=None), publish=publish or PublishSettings())


def narrate_tones(
    folder: Path,
    stem: str = "tones",
    options: NarrateOptions | None = None,
    created: datetime | None = None,
    article: Article | None = None,
    engine: ToneEngine | None = None,
) -> Result:
    """Narrate the tone article into ``folder/<stem>.mp3`` with its sidecars."""
    folder.mkdir(parents=True, exist_ok=True)
    opts = options or podcast_options()
    if created is not None:
        opts = replace(opts, publish=replace(opts.publish, created=created))
    return render(article or tone_article(), engine or ToneEngine(), folder / f"{stem}.mp3", opts)


def tone_runs(audio: npt.NDArray[np.int16], rate: int, frame_ms: int = 1) -> list[tuple[float, float]]:
    """Start and end (ms) of every stretch of tone in decoded audio, found from its envelope.

    A frame is "on" when its peak is above a quarter of the loudest frame's; runs of on frames
    separated by less than 20 ms are one tone. Times are counted in samples (a "1 ms" frame at
    44.1 kHz holds 44 samples: counted as 1 ms, a minute of audio would drift by 0.14 s).
    """
    frame = rate * frame_ms // 1000
    ms_per_frame = 1000 * frame / rate
    count = len(audio) // frame
    env = np.abs(audio[: count * frame].astype(np.int32)).reshape(count, frame).max(axis=1)
    on = env > env.max() / 4
    runs: list[tuple[float, float]] = []
    start: int | None = None
    for index, value in enumerate(on):
        if value and start is None:
            start = index
        elif not value and start is not None:
            runs.append((start * ms_per_frame, index * ms_per_frame))
            start = None
    if start is not None:
        runs.append((start * ms_per_frame, count * ms_per_frame))
    merged: list[tuple[float, float]] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < 20:
            merged[-1] = (merged[-1][0], run[1])
        else:
            merged.append(run)
    return merged

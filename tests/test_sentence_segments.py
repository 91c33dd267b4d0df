"""Long paragraphs encoded in segments of whole sentences: an edit re-encodes the sentences around
it, not the paragraph, and every cue and chapter still lands where its audio is heard."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from narrator.audio.assemble import SEGMENT_MAX_S, SEGMENT_MIN_S, AssembledParagraph, Span, segment_starts
from narrator.model import Article, Paragraph, Sentence
from narrator.pipeline import CacheSettings, render
from tests.audio_check import decode_mp3
from tests.fakes import ToneEngine
from tests.podcast_fixtures import podcast_options, tone_runs

RATE = 22050
TOLERANCE_MS = 50
CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)")


def paragraph(start: int, lengths_s: list[float], gap_s: float = 0.5) -> AssembledParagraph:
    """A paragraph whose first clip starts at frame ``start``, clips of ``lengths_s`` apart by ``gap_s``."""
    spans, at = [], start
    for length in lengths_s:
        spans.append(Span(at, at + round(length * RATE)))
        at = spans[-1].end + round(gap_s * RATE)
    return AssembledParagraph(Span(start - RATE // 4, at), tuple(spans))


def test_a_segment_is_cut_in_the_middle_of_a_pause_once_it_holds_enough() -> None:
    para = paragraph(RATE, [2.5] * 8)
    starts = segment_starts([para], [[True] * 8], RATE)
    assert starts[0] == para.chapter.start
    cuts = starts[1:]
    assert cuts, "a 24-second paragraph is cut"
    for cut in cuts:
        after = next(n for n, s in enumerate(para.sentences) if s.start > cut)
        assert cut == (para.sentences[after - 1].end + para.sentences[after].start) // 2
    for begin, end in zip(starts, [*cuts, para.sentences[-1].end], strict=True):
        held = max(s.end for s in para.sentences if s.end <= end) - begin
        assert held >= SEGMENT_MIN_S * RATE or end == para.sentences[-1].end


def test_only_a_sentence_that_may_start_a_segment_starts_one_until_the_longest_is_reached() -> None:
    para = paragraph(0, [2.5] * 12)
    never = segment_starts([para], [[False] * 12], RATE)
    for begin, cut in itertools.pairwise(never):
        assert cut - begin >= SEGMENT_MAX_S * RATE
    marks = [n % 4 == 0 for n in range(12)]  # sentences 4 and 8 may start one
    chosen = segment_starts([para], [marks], RATE)
    firsts = [next(n for n, s in enumerate(para.sentences) if s.start > cut) for cut in chosen[1:]]
    assert firsts == [4, 8]


def test_cuts_move_with_the_paragraph_and_an_edit_moves_only_the_cuts_near_it() -> None:
    lengths = [2.5, 3.0, 1.5, 4.0, 2.0, 2.5, 3.5, 1.0, 2.0, 3.0]
    marks = [[n % 2 == 0 for n in range(len(lengths))]]
    here = segment_starts([paragraph(10 * RATE, lengths)], marks, RATE)
    there = segment_starts([paragraph(37 * RATE, lengths)], marks, RATE)
    assert [s - here[0] for s in here] == [s - there[0] for s in there]
    longer = segment_starts([paragraph(10 * RATE, [2.5, 9.0, *lengths[2:]])], marks, RATE)
    # the segments after the edit begin with the same sentences, shifted by what the edit added
    shift = round(6.0 * RATE)
    assert [s + shift for s in here[-2:]] == longer[-2:]
    assert len(here) >= 3


def _ms(g: list[int]) -> int:
    return ((g[0] * 60 + g[1]) * 60 + g[2]) * 1000 + g[3]


def long_article(salt: str = "") -> Article:
    """A title, a long paragraph of sixteen sentences (2 to 3.5 s of tone each) and a short one."""
    letters = "ابپتثجچحخدذرزژسشصضطظ"
    long = tuple(
        Sentence(written=f"جملهٔ {n + 1}.", spoken=letters[n] * (200 + 10 * n) + (salt if n == 6 else ""))
        for n in range(16)
    )
    end = Paragraph((Sentence(written="پایان.", spoken="ی" * 150),))
    return Article(title="آزمایش", paragraphs=(Paragraph(long), end))


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("sentence-segments")
    options = replace(podcast_options(), cache=CacheSettings(folder / "cache"))
    (folder / "first").mkdir()
    render(long_article(), ToneEngine(sample_rate=RATE), folder / "first" / "a.mp3", options)
    return folder, folder / "first" / "a.mp3"


def test_cues_and_chapters_match_the_tones_heard_across_segment_cuts(narrated: tuple[Path, Path]) -> None:
    folder, mp3 = narrated
    segments = len(list((folder / "cache").glob("*/*.mp3")))
    assert segments >= 5, "the long paragraph is in four segments or more"
    heard = tone_runs(decode_mp3(mp3), 44100)
    cues = []
    for block in mp3.with_suffix(".vtt").read_text("utf-8").split("\n\n"):
        for line in block.splitlines():
            match = CUE.fullmatch(line)
            if match:
                g = [int(v) for v in match.groups()]
                cues.append((_ms(g[:4]), _ms(g[4:])))
    assert len(heard) == len(cues) == 17
    errors = [abs(c - h) for pair in zip(cues, heard, strict=True) for c, h in zip(*pair, strict=True)]
    assert max(errors) <= TOLERANCE_MS
    chapters = json.loads(mp3.with_suffix(".chapters.json").read_text("utf-8"))["chapters"]
    assert chapters[0]["startTime"] == 0
    assert heard[15][1] < chapters[1]["startTime"] * 1000 < heard[16][0]


def test_an_edited_sentence_re_encodes_its_segment_not_its_paragraph(narrated: tuple[Path, Path]) -> None:
    folder, _ = narrated
    segments = len(list((folder / "cache").glob("*/*.mp3")))
    options = replace(podcast_options(), cache=CacheSettings(folder / "cache"))
    engine = ToneEngine(sample_rate=RATE)
    target = folder / "second" / "b.mp3"
    target.parent.mkdir()
    render(long_article(salt="!"), engine, target, options)
    made = len(list((folder / "cache").glob("*/*.mp3"))) - segments
    assert 1 <= made <= 2, f"{made} segments encoded for one sentence"
    heard = tone_runs(decode_mp3(target), 44100)
    assert len(heard) == 17

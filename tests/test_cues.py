"""Caption cues: short, at word boundaries, timed from word times, never across a sentence."""

from __future__ import annotations

import io
import itertools
import json
import re
from pathlib import Path

import pytest

from narrator.cli import main
from narrator.cues import MAX_CUE_MS, MAX_LINE, by_characters, sentence_cues, written_word_times
from narrator.engines.base import EngineOptions
from narrator.engines.espeak import EspeakEngine
from narrator.model import WordTime
from tests.conftest import SEED

CUE_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)$")


def parse_vtt(text: str) -> list[tuple[int, int, list[str]]]:
    """Every cue of a WebVTT file: start and end in ms and its lines."""
    cues = []
    for block in text.strip().split("\n\n")[1:]:
        lines = block.split("\n")
        match = CUE_TIME.match(lines[1])
        assert match, lines
        h1, m1, s1, f1, h2, m2, s2, f2 = (int(g) for g in match.groups())
        start = ((h1 * 60 + m1) * 60 + s1) * 1000 + f1
        end = ((h2 * 60 + m2) * 60 + s2) * 1000 + f2
        cues.append((start, end, lines[2:]))
    return cues


def test_spoken_word_times_map_onto_written_words() -> None:
    written = "از ۱۶۰۰ واحد تولیدی."
    spoken = [("از", 0, 100), ("هزار", 100, 400), ("و", 400, 500), ("ششصد", 500, 900),
              ("واحدِ", 900, 1300), ("تولیدی", 1300, 1800)]
    times = written_word_times(written, [WordTime(*w) for w in spoken], 1900)
    assert [(w.text, w.start_ms, w.end_ms) for w in times] == [
        ("از", 0, 100), ("۱۶۰۰", 100, 900), ("واحد", 900, 1300), ("تولیدی.", 1300, 1800)
    ]


def test_unmatched_words_share_time_by_count() -> None:
    spoken = [WordTime("x", 0, 300), WordTime("y", 300, 600), WordTime("z", 600, 900)]
    times = written_word_times("الف ب", spoken, 1000)
    assert [(w.start_ms, w.end_ms) for w in times] == [(0, 450), (450, 900)]


def test_without_word_times_the_duration_is_shared_by_characters() -> None:
    times = by_characters(["ab", "abcdef", "a"], 1100)  # 11 characters with the spaces
    assert [(w.start_ms, w.end_ms) for w in times] == [(0, 200), (300, 900), (1000, 1100)]
    assert written_word_times("ab abcdef a", [], 1100) == times


def test_a_long_sentence_becomes_short_two_line_cues() -> None:
    text = " ".join(f"واژهٔ{n}" for n in range(70))  # about 470 characters
    words = written_word_times(text, [], 33_500)
    cues = sentence_cues(10_000, 43_500, words)
    assert len(cues) >= 6
    assert cues[0].start_ms == 10_000 and cues[-1].end_ms == 43_500
    for before, after in itertools.pairwise(cues):
        assert before.end_ms == after.start_ms, "cues follow each other within a sentence"
    for cue in cues:
        assert cue.end_ms - cue.start_ms <= MAX_CUE_MS
        lines = cue.text.split("\n")
        assert 1 <= len(lines) <= 2 and all(len(line) <= MAX_LINE for line in lines)
    assert " ".join(c.text.replace("\n", " ") for c in cues) == text


def test_a_short_sentence_is_one_cue() -> None:
    cues = sentence_cues(0, 2_000, written_word_times("سلام دنیا.", [], 2_000))
    assert [(c.start_ms, c.end_ms, c.text) for c in cues] == [(0, 2_000, "سلام دنیا.")]


def test_espeak_reports_word_times() -> None:
    text = "وی افزود امسال تکمیل و بهره برداری از واحدهای تولیدی"
    clip = EspeakEngine(EngineOptions()).synthesize(text)
    assert [w.text for w in clip.words] == text.split()
    starts = [w.start_ms for w in clip.words]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert clip.words[-1].end_ms == clip.duration_ms
    assert starts[-1] > clip.duration_ms / 2


@pytest.fixture(scope="module")
def seed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cues")
    assert main(["narrate", str(SEED), "-o", str(out)], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    return out


def test_seed_captions_are_short_and_within_sentences(seed_folder: Path) -> None:
    vtt = parse_vtt((seed_folder / f"{SEED.stem}.vtt").read_text("utf-8"))
    manifest = json.loads((seed_folder / f"{SEED.stem}.json").read_text("utf-8"))
    sentences = [s for p in manifest["paragraphs"] for s in p["sentences"]]
    assert len(vtt) > len(sentences), "long sentences are split"
    for start, end, lines in vtt:
        assert end - start <= 8_000
        assert len(" ".join(lines)) <= 90 and all(len(line) <= 45 for line in lines)
    remaining = list(vtt)
    for sentence in sentences:  # each sentence's cues, in order, hold exactly its words
        words: list[str] = []
        while remaining and remaining[0][0] < sentence["end_ms"]:
            start, end, lines = remaining.pop(0)
            assert sentence["start_ms"] <= start and end <= sentence["end_ms"]
            words.extend(" ".join(lines).split())
        assert words == sentence["text"].split()
    assert not remaining


def test_srt_has_the_same_cues(seed_folder: Path) -> None:
    vtt = parse_vtt((seed_folder / f"{SEED.stem}.vtt").read_text("utf-8"))
    srt = (seed_folder / f"{SEED.stem}.srt").read_text("utf-8").strip().split("\n\n")
    assert len(srt) == len(vtt)
    assert [block.split("\n")[2:] for block in srt] == [lines for _, _, lines in vtt]


def _wrap_by_building_lines(words: list[str]) -> list[str]:
    """Two lines as even as possible, found by building every candidate line (the definition)."""
    text = " ".join(words)
    if len(text) <= MAX_LINE or len(words) < 2:
        return [text]
    best = min(range(1, len(words)), key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
    return [" ".join(words[:best]), " ".join(words[best:])]


@pytest.mark.parametrize("seed", range(200))
def test_lines_are_broken_where_building_every_candidate_breaks_them(seed: int) -> None:
    """``wrap`` and ``fits`` reckon lines from word lengths; they agree with building the lines,
    ties (equally even breaks) included."""
    import random

    from narrator.cues import fits, wrap

    rng = random.Random(seed)
    words = ["و" * rng.choice([1, 2, 3, 5, 8, 13, 21, 45]) for _ in range(rng.randint(0, 14))]
    expected = _wrap_by_building_lines(words)
    assert wrap(words) == expected
    assert fits(words) == all(len(line) <= MAX_LINE for line in expected)

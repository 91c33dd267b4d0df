"""A line with no sentence punctuation: cut into sentence-sized pieces, so cues, engine input and
memory stay bounded however long it is."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

from narrator.cli import main
from narrator.model import Article, Clip, Paragraph, Sentence
from narrator.synth import speak_article
from narrator.text import normalize, prepare, split_for_engine
from narrator.text.sentences import LONG_SENTENCE, PIECE_CHARS, cut_long
from tests.conftest import SEED
from tests.fakes import ToneEngine

MAX_CUE_MS = 8000


def unpunctuated_line(chars: int) -> str:
    """Real Persian words from the seed article, with no punctuation, about ``chars`` long."""
    text = SEED.read_text("utf-8")
    words = [w for w in re.findall(r"[\u0621-\u06cc\u200c]+", text) if re.search("[آ-ی]", w)]
    line: list[str] = []
    size = 0
    index = 0
    while size < chars:
        word = words[index % len(words)]
        line.append(word)
        size += len(word) + 1
        index += 1
    return " ".join(line)


def test_a_20k_character_line_becomes_bounded_sentences_that_cover_it_exactly() -> None:
    line = unpunctuated_line(20_000)
    article = prepare(line)
    assert len(article.paragraphs) == 1
    sentences = article.paragraphs[0].sentences
    assert len(sentences) > 20_000 // PIECE_CHARS
    assert all(0 < len(s.written) <= PIECE_CHARS for s in sentences)
    assert " ".join(s.written for s in sentences) == normalize(line)
    assert all(s.spoken for s in sentences)


def test_pieces_end_at_clauses_then_before_conjunctions_then_between_words() -> None:
    clause = "در این نشست که دیروز در تهران برگزار شد، نمایندگان مجلس سخن گفتند"
    words = ("کارشناسان اقتصادی " * 40).strip()
    sentence = f"{clause} {words}"
    pieces = cut_long(sentence, 100, 70)
    assert pieces[0] == "در این نشست که دیروز در تهران برگزار شد،"
    assert " ".join(pieces) == sentence and all(len(p) <= 70 for p in pieces)
    joined = "گزارش‌های تازه " * 6 + "و " + "بررسی‌های بیشتر " * 6
    pieces = cut_long(joined.strip(), 100, 120)
    assert pieces[1].startswith("و بررسی")  # cut before the conjunction
    assert cut_long("یک" * 300, 100, 70) == ["یک" * 35] * 8 + ["یک" * 20]  # a word longer than a piece


def test_short_sentences_are_left_whole() -> None:
    sentence = unpunctuated_line(LONG_SENTENCE - 10)[: LONG_SENTENCE - 10].strip()
    assert cut_long(sentence) == [sentence]


def test_cutting_is_linear_in_the_line_length() -> None:
    line = unpunctuated_line(200_000)
    began = time.perf_counter()
    pieces = cut_long(line)
    assert time.perf_counter() - began < 5
    assert " ".join(pieces) == line and max(map(len, pieces)) <= PIECE_CHARS


def test_a_paragraph_streams_its_clips_instead_of_holding_them() -> None:
    sentences = tuple(Sentence(written=f"جمله {i}", spoken="ب" * 10) for i in range(200))
    article = Article(title="t", paragraphs=(Paragraph(sentences), Paragraph(sentences[:3])))
    engine = ToneEngine()
    made: list[str] = []
    real = engine.synthesize

    def counting(text: str) -> Clip:
        made.append(text)
        return real(text)

    engine.synthesize = counting  # type: ignore[method-assign]
    paragraphs = speak_article(engine, article, split_for_engine)
    first = next(paragraphs)
    next(first)
    assert len(made) == 1  # not the whole paragraph of 200
    second = next(paragraphs)  # what was left of the first is skipped, in order
    assert len(list(second)) == 3 and len(made) == 203


def test_an_unpunctuated_line_narrates_with_no_cue_over_8_seconds(tmp_path: Path) -> None:
    source = tmp_path / "long.txt"
    source.write_text(unpunctuated_line(3_000) + "\n", "utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = ["narrate", str(source), "-o", str(tmp_path / "out"), "--engine", "espeak", "-q", "--no-cache"]
    code = main(argv, stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    manifest = json.loads((tmp_path / "out" / "long.json").read_text("utf-8"))
    cues = [s for p in manifest["paragraphs"] for s in p["sentences"]]
    assert len(cues) >= 3_000 // PIECE_CHARS
    assert max(c["end_ms"] - c["start_ms"] for c in cues) <= MAX_CUE_MS
    assert min(c["end_ms"] - c["start_ms"] for c in cues) > 0
    assert " ".join(c["text"] for c in cues) == normalize(source.read_text("utf-8").strip())

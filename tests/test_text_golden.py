"""Every pair of the golden corpus: news text and the exact spoken form the voice must receive."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrator.engines.espeak import phonemize
from narrator.text import spoken_form

GOLDEN = Path(__file__).parent / "golden" / "readings.tsv"
CATEGORIES = {
    "cardinal", "leading-zero", "glued", "decimal", "scale", "percent", "ordinal", "date-jalali",
    "date-month", "date-gregorian", "date-lunar", "date-era", "time", "range", "negative", "score",
    "currency", "unit", "fraction", "identifier", "latin-acronym", "latin-name", "url",
    "abbreviation", "characters", "zwnj", "mixed",
}  # fmt: skip


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in GOLDEN.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            category, written, spoken = line.split("\t")
            rows.append((category, written, spoken))
    return rows


ROWS = _rows()


def test_corpus_is_large_and_covers_every_category() -> None:
    assert len(ROWS) >= 250
    assert {category for category, _, _ in ROWS} == CATEGORIES


IDS = [f"{i}-{row[0]}" for i, row in enumerate(ROWS)]


@pytest.mark.parametrize(("category", "written", "spoken"), ROWS, ids=IDS)
def test_golden_reading(category: str, written: str, spoken: str) -> None:
    assert spoken_form(written) == spoken


def test_no_golden_reading_switches_espeak_to_english() -> None:
    switched = [spoken for _, _, spoken in ROWS if "(en)" in phonemize(spoken)]
    assert switched == []


def test_repaired_zwnj_removes_a_spurious_h() -> None:
    # Without the ZWNJ espeak reads «داشتهاند» with a consonant h (dɑʃtahɑnd).
    assert "h" in phonemize("داشتهاند")
    repaired = spoken_form("داشتهاند")
    assert repaired == "داشته\u200cاند"
    assert "h" not in phonemize(repaired)


def test_repaired_plural_keeps_a_single_h() -> None:
    repaired = spoken_form("برنامههای")
    assert repaired == "برنامه\u200cهای"
    assert phonemize(repaired).count("h") == 1

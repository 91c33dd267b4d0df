"""Sentence splitting and cutting long sentences for an engine's length limit."""

from __future__ import annotations

import pytest

from narrator.text import normalize, split_for_engine, split_sentences


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("او آمد. سپس رفت.", ["او آمد.", "سپس رفت."]),
        ("این کار انجام شد.سپس جلسه تمام شد.", ["این کار انجام شد.", "سپس جلسه تمام شد."]),
        ("نرخ رشد ۱۲.۵ درصد بود. این رقم بالاست.", ["نرخ رشد ۱۲.۵ درصد بود.", "این رقم بالاست."]),
        ("نیروهای ج.ا.ا آماده‌اند. او گفت.", ["نیروهای ج.ا.ا آماده‌اند.", "او گفت."]),
        ("در سال ۱۳۲۰ ه.ش منتشر شد. سپس", ["در سال ۱۳۲۰ ه.ش منتشر شد.", "سپس"]),
        ("دکتر م. احمدی گفت: کار تمام شد.", ["دکتر م. احمدی گفت: کار تمام شد."]),
        ("او گفت: «کار تمام شد.» سپس رفت.", ["او گفت: «کار تمام شد.»", "سپس رفت."]),
        ("آیا می‌آیی؟ بله! حتما…", ["آیا می‌آیی؟", "بله!", "حتما…"]),
        ("تاریخ ۱۴۰۲.۰۵.۱۲ بود. بعد", ["تاریخ ۱۴۰۲.۰۵.۱۲ بود.", "بعد"]),
        ("به www.irna.ir بروید. سپس", ["به www.irna.ir بروید.", "سپس"]),
        ("نوشته J. K. Rowling است. بعد", ["نوشته J. K. Rowling است.", "بعد"]),
        ("جمله بی‌نقطه", ["جمله بی‌نقطه"]),
        ("سال ۲۰۲۳.در این سال", ["سال ۲۰۲۳.", "در این سال"]),
    ],
)
def test_split_sentences(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


def test_split_after_normalization_keeps_decimals_whole() -> None:
    written = normalize("نرخ رشد 12.5 درصد بود. این رقم بالاست.")
    assert split_sentences(written) == ["نرخ رشد ۱۲٫۵ درصد بود.", "این رقم بالاست."]


def test_split_for_engine_prefers_clause_punctuation() -> None:
    spoken = "در این نشست، وزیر سخن گفت؛ سپس نمایندگان پرسیدند: چرا دیر شد"
    pieces = split_for_engine(spoken, 30)
    assert pieces == ["در این نشست، وزیر سخن گفت؛", "سپس نمایندگان پرسیدند:", "چرا دیر شد"]
    assert all(len(p) <= 30 for p in pieces)
    assert " ".join(pieces) == spoken


def test_split_for_engine_cuts_words_and_long_words() -> None:
    spoken = "یک " * 50 + "بسیاربسیاربسیاربلند"
    pieces = split_for_engine(spoken.strip(), 8)
    assert all(0 < len(p) <= 8 for p in pieces)
    assert "".join(pieces).replace(" ", "") == spoken.replace(" ", "")


def test_split_for_engine_leaves_short_text_alone() -> None:
    assert split_for_engine("سلام", 100) == ["سلام"]
    assert split_for_engine("  ", 100) == []


def test_split_for_engine_refuses_a_zero_limit() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        split_for_engine("سلام", 0)

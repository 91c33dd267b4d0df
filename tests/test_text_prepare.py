"""``prepare`` on the seed article and on the kinds of lines that are not prose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from narrator.engines.espeak import phonemize
from narrator.errors import InputError
from narrator.text import decode_article, is_prose, prepare

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_3a98ce0cadde2fff.txt"


def test_seed_reads_as_speakable_persian() -> None:
    article = prepare(decode_article(SEED.read_bytes(), SEED.name))
    assert len(article.paragraphs) == 9  # the closing «منبع (+)» line is not narrated
    spoken = "\n".join(p.spoken for p in article.paragraphs)
    assert not re.search(r"\d", spoken)
    assert "منبع" not in spoken
    assert "هزار و ششصد واحد تولیدی" in spoken
    assert "چهل هزار فرصت شغلی" in spoken
    assert "هفت هزار و ششصد واحد صنعتی" in spoken
    assert "هشتاد درصد" in spoken
    assert "کارخانه\u200cهای مختلف" in spoken and "برنامه\u200cهای مختلف" in spoken
    assert "داشته\u200cاند" in spoken and "می\u200cشود" in spoken
    assert "(en)" not in phonemize(spoken)


def test_written_form_keeps_digits_and_normalizes_letters() -> None:
    article = prepare("كارخانههای ما ۱۶۰۰ واحد دارند. سپس 12.5 درصد رشد کرد.")
    assert [s.written for s in article.sentences] == [
        "کارخانه\u200cهای ما ۱۶۰۰ واحد دارند.",
        "سپس ۱۲٫۵ درصد رشد کرد.",
    ]
    assert [s.spoken for s in article.sentences] == [
        "کارخانه\u200cهای ما هزار و ششصد واحد دارند.",
        "سپس دوازده و نیم درصد رشد کرد.",
    ]


def test_title_is_given_or_taken_from_the_opening_words() -> None:
    text = "یک دو سه چهار پنج شش هفت هشت نه ده.\nدوم."
    assert prepare(text, title="  عنوان  ").title == "عنوان"
    assert prepare(text).title == "یک دو سه چهار پنج شش هفت هشت…"


@pytest.mark.parametrize(
    "line",
    ["منبع (+)", "منبع: ایرنا", "https://www.irna.ir/news/123", "عکس: علی احمدی", "انتهای پیام",
     "کد خبر: ۱۲۳۴۵", "Source: Reuters", "(+)", "۱۲۳۴"],
)  # fmt: skip
def test_lines_that_are_not_prose(line: str) -> None:
    assert not is_prose(line)


@pytest.mark.parametrize(
    "line",
    ["منبع آگاه گفت که جلسه لغو شد.", "به گزارش ایرنا، جلسه برگزار شد.", "بله", "متن در www.irna.ir است."],
)
def test_lines_that_are_prose(line: str) -> None:
    assert is_prose(line)


def test_text_with_nothing_to_narrate_is_refused() -> None:
    with pytest.raises(InputError, match="no prose"):
        prepare("منبع (+)\nhttps://example.com\n")


def test_noncharacters_do_not_reach_the_transcript() -> None:
    """U+FFFE, U+FFFF and U+FDD0–U+FDEF in an article (XML forbids the first two) are dropped from
    the written form too, so captions, pages and manifests never carry them (issue 18 review)."""
    from narrator.text import normalize

    written = normalize("خبر نخست درباره \uffff باران \ufdd0تهران است. هوا سرد شد\ufffe.")
    assert written == "خبر نخست درباره باران تهران است. هوا سرد شد."

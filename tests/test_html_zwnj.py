"""Web pages keep Persian's zero-width non-joiner (trafilatura on its own drops it as unprintable)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from narrator.cli import main
from narrator.text.html import extract_article

ZWNJ = "\u200c"

HEADLINE = "بیمارستان آموزشی زنجان در آستانه بهره\u200cبرداری است"
PARAGRAPHS = (
    "علیرضا مهراسبی در گفت و گو با خبرنگار گفت: این بیمارستان تا پایان تابستان تحویل داده"
    " می\u200cشود و بخش\u200cهای تازه\u200cای خواهد داشت.",
    # the same joiner written as HTML entities, as some sites' editors save it
    "وی افزود: ظرفیت این بیمارستان تا پانصد تخت قابل افزایش است و کار&zwnj;ها به"
    " سرعت پیش می&#8204;رود تا مردم از آن بهره&#x200C;مند شوند.",
)
SPOKEN = (
    PARAGRAPHS[0],
    "وی افزود: ظرفیت این بیمارستان تا پانصد تخت قابل افزایش است و کار\u200cها به"
    " سرعت پیش می\u200cرود تا مردم از آن بهره\u200cمند شوند.",
)


def page() -> str:
    body = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        '<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8">'
        f"<title>{HEADLINE}</title>"
        '<meta name="author" content="مریم احمدی\u200cنژاد"></head><body>'
        '<nav><ul><li><a href="/">صفحه نخست</a></li><li><a href="/e">اقتصادی</a></li></ul></nav>'
        f"<article><h1>{HEADLINE}</h1>{body}</article>"
        "<footer>کلیه حقوق محفوظ است</footer></body></html>"
    )


def test_extraction_keeps_every_zero_width_non_joiner() -> None:
    article = extract_article(page(), "news.html")
    assert article.title == HEADLINE
    assert article.paragraphs[-2:] == SPOKEN
    assert article.author == "مریم احمدی\u200cنژاد"
    assert "\U0001e900" not in article.text  # the stand-in never leaks out


def test_a_page_that_already_uses_the_stand_in_is_still_read() -> None:
    article = extract_article(page().replace("صفحه نخست", "\U0001e900"), "odd.html")
    assert article.paragraphs  # read as before; only the joiners are not protected then


def test_narrator_text_of_a_page_keeps_the_joiners(tmp_path: Path) -> None:
    source = tmp_path / "news.html"
    source.write_text(page(), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["text", "--ezafe", "off", str(source)])
    assert code == 0, err.getvalue()
    spoken = out.getvalue()
    for word in ("بهره\u200cبرداری", "بخش\u200cهای", "کار\u200cها", "بهره\u200cمند"):
        assert word in spoken, word
    assert spoken.count(ZWNJ) >= 6

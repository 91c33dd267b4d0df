"""Properties of the preprocessor for any input: no crash, no digit, spoken form is a fixed point."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from narrator.errors import InputError
from narrator.text import prepare, spoken_form

# Pieces of news text that exercise every rule, mixed with arbitrary characters.
PIECES = [
    "۱۲٫۵", "۲/۵", "٪", "%", "۱۴۰۲/۰۵/۱۲", "۱۵ خرداد", "May", "12", "2023", "۱۰:۳۰", "-", "−", "+",
    "$", "€", "﷼", "km", "kg", "°C", "½", "۰۹۱۲۱۲۳۴۵۶۷", "WHO", "G20", "Google", "www.irna.ir",
    "a@b.ir", "ج.ا.ا", "ه.ش", "(ع)", "ق", "م", "ام", "مین", "ي", "ك", "ة", "ۀ", "ـ", "\u200c", "\u200f",
    "\u200d", "\u00ad", "برنامههای", "میشود", "«", "»", ".", "،", "؛", ":", "!", "؟", "...", " ", "\n",
    "تیم", "بازی", "تلفن", "شماره", "٫", "٬", ",", "١٢", "४२", "²", "هزار", "میلیون", "درصد", "تا",
    "&amp;", "&zwnj;", "&#8204;", "&nbsp;", "😀", "🇮🇷", "#ایران_قوی", "@user", "[xiv]", " XIV", "قرن",
    "Netflix", "F-35", "iPhone 15", "همت", "m/s", "۴۵+۲", "نفر", "سال ", "ق.ظ", "و …", "؟!", "ایران",
]  # fmt: skip
news_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=25).map("".join)
any_text = st.one_of(news_text, st.text(max_size=60))
DIGIT = re.compile(r"\d")


def _no_digit_of_any_script(text: str) -> bool:
    return not DIGIT.search(text) and not any(ch.isdigit() or ch.isnumeric() for ch in text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_spoken_form_never_crashes_never_has_a_digit_and_is_a_fixed_point(text: str) -> None:
    spoken = spoken_form(text)
    assert _no_digit_of_any_script(spoken)
    assert not re.search("[A-Za-z]", spoken)
    assert spoken_form(spoken) == spoken


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example("#ایران_قوی12ج.ا.ا")  # a hashtag right before an abbreviation (found by hypothesis)
@given(st.lists(any_text, min_size=1, max_size=4).map("\n".join))
def test_prepare_never_crashes_and_its_spoken_paragraphs_read_the_same_again(text: str) -> None:
    try:
        article = prepare(text)
    except InputError:
        return
    spoken = "\n".join(" ".join(s.spoken for s in p.sentences) for p in article.paragraphs)
    assert _no_digit_of_any_script(spoken)
    again = prepare(spoken)
    # The words are the same; where a sentence ends may move (``km.0`` is one sentence with its
    # digit, but ``کم. صفر`` is two), so paragraphs are compared as a whole.
    assert [p.spoken for p in again.paragraphs] == [p.spoken for p in article.paragraphs]

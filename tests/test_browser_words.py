"""Word highlighting on the listening page (headless Chromium): the word being spoken where the
engine timed words, the sentence otherwise; keyboard and screen-reader behaviour unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from narrator.model import Article, Paragraph, Sentence
from narrator.pipeline import NarrateOptions, Result, render
from tests.browser import launch, open_watched
from tests.fakes import ToneEngine, WordToneEngine

AUDIO = "document.getElementById('player')"
SPOKEN_WORD = "#transcript .w.spoken"
# The written form differs from the spoken one (a number said as three words, an ezafe mark).
SENTENCES = (
    ("امسال ۱۶۰۰ واحد تولیدی در استان افتتاح شد.", "امسال هزار و ششصد واحدِ تولیدی در استان افتتاح شد."),
    ("شرکت OpenAI مدل تازه‌ای را معرفی کرد.", "شرکت اوپن ای آی مدل تازه‌ای را معرفی کرد."),
    ("بند دوم با جمله‌ای کوتاه پایان می‌یابد.", "بند دوم با جمله‌ای کوتاه پایان می‌یابد."),
)


def article() -> Article:
    first = Paragraph(tuple(Sentence(w, s) for w, s in SENTENCES[:2]))
    return Article("واژه به واژه", (first, Paragraph((Sentence(*SENTENCES[2]),))))


@pytest.fixture(scope="module")
def narrations(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Result]:
    folder = tmp_path_factory.mktemp("words")
    options = replace(NarrateOptions(), cache=None)
    timed = render(article(), WordToneEngine(), folder / "timed.mp3", options)
    plain = render(article(), ToneEngine(), folder / "plain.mp3", options)
    return timed, plain


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


def open_page(browser: Browser, audio: Path) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 900}, locale="fa-IR")
    page = context.new_page()
    watch = open_watched(page, audio.with_name(audio.stem + ".page.html").as_uri())
    page.wait_for_function(f"() => {AUDIO}.readyState >= 1")
    yield page
    watch.assert_clean()
    context.close()


@pytest.fixture
def timed_page(browser: Browser, narrations: tuple[Result, Result]) -> Iterator[Page]:
    yield from open_page(browser, narrations[0].path)


@pytest.fixture
def plain_page(browser: Browser, narrations: tuple[Result, Result]) -> Iterator[Page]:
    yield from open_page(browser, narrations[1].path)


def seek(page: Page, ms: float) -> None:
    page.evaluate(f"{AUDIO}.currentTime = {ms / 1000}")
    page.wait_for_function(f"() => !{AUDIO}.seeking && Math.abs({AUDIO}.currentTime - {ms / 1000}) < 0.002")


def spoken_word(page: Page) -> tuple[int, int, str] | None:
    """The highlighted word: its sentence, its number in the sentence, its text."""
    found = page.evaluate(
        f"""() => {{ const els = document.querySelectorAll('{SPOKEN_WORD}');
             if (els.length !== 1) return els.length ? 'many' : null;
             const w = els[0]; return [Number(w.closest('.cue').dataset.index), Number(w.dataset.w),
             w.textContent]; }}"""
    )
    assert found != "many", "one word at a time"
    return None if found is None else (int(found[0]), int(found[1]), str(found[2]))


def test_the_transcript_holds_every_written_word_timed(
    timed_page: Page, narrations: tuple[Result, Result]
) -> None:
    timed = narrations[0].timeline
    for index, (written, _) in enumerate(SENTENCES):
        words = timed_page.locator(f"#transcript .cue[data-index='{index}'] .w")
        assert words.all_inner_texts() == written.split()
        assert [w.text for w in timed.words[index]] == written.split()
    # the number spoken as three words covers them all; the word after it starts with "واحدِ"
    number, unit = timed.words[0][1], timed.words[0][2]
    assert number.end_ms - number.start_ms > unit.end_ms - unit.start_ms
    assert timed_page.locator("#transcript .w[aria-current], #transcript .w[tabindex]").count() == 0


def test_seeking_into_a_word_highlights_it(timed_page: Page, narrations: tuple[Result, Result]) -> None:
    words = narrations[0].timeline.words
    for sentence, number in ((0, 1), (0, 4), (1, 1), (2, 5)):
        word = words[sentence][number]
        seek(timed_page, (word.start_ms + word.end_ms) / 2)
        timed_page.wait_for_function(f"() => document.querySelector('{SPOKEN_WORD}') !== null")
        assert spoken_word(timed_page) == (sentence, number, word.text)
        active = timed_page.locator("#transcript .cue[aria-current='true']")
        assert active.get_attribute("data-index") == str(sentence), "the sentence stays current for readers"
        spoken = timed_page.locator(SPOKEN_WORD)
        assert spoken.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_playing_moves_the_word_highlight_with_the_voice(
    timed_page: Page, narrations: tuple[Result, Result]
) -> None:
    words = narrations[0].timeline.words
    timed_page.evaluate(f"{AUDIO}.play()")
    timed_page.wait_for_function(
        f"() => {{ const w = document.querySelector('{SPOKEN_WORD}');"
        " return w && w.closest('.cue').dataset.index === '0' && Number(w.dataset.w) >= 3; }",
        timeout=15_000,
    )
    timed_page.evaluate(f"{AUDIO}.pause()")
    timed_page.wait_for_function(f"() => {AUDIO}.paused")
    ms = float(timed_page.evaluate(f"{AUDIO}.currentTime")) * 1000
    found = spoken_word(timed_page)
    if found is not None:  # paused inside a word: it is the one highlighted
        word = words[found[0]][found[1]]
        assert word.start_ms - 2 <= ms <= word.end_ms + 2


def test_without_word_times_the_sentence_is_highlighted(
    plain_page: Page, narrations: tuple[Result, Result]
) -> None:
    cue = narrations[1].timeline.cues[1]
    assert plain_page.locator("#transcript .w").count() == 0
    seek(plain_page, (cue.start_ms + cue.end_ms) / 2)
    plain_page.wait_for_function("() => document.querySelector('#transcript .cue[aria-current=\"true\"]')")
    active = plain_page.locator("#transcript .cue[aria-current='true']")
    assert active.get_attribute("data-index") == "1"
    assert active.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"

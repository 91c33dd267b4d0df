"""The listening page in headless Chromium, opened from disk and from ``narrator serve``.

Every test fails on a console error, an uncaught page error, or any request that leaves the
page's own origin (such requests are aborted). Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from narrator.pipeline import Result
from narrator.publish.index import write_index
from narrator.serve import NarrationServer, make_server, running
from tests.browser import (
    TRICKY_TITLE,
    Watch,
    ensure_captions,
    launch,
    long_article,
    narrate_with_tone,
    open_watched,
    tricky_article,
)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
AUDIO = "document.getElementById('player')"
ACTIVE = "document.querySelector('#transcript .cue[aria-current=\"true\"]')"
SEEK_TOLERANCE_S = 0.01
MODES = ["file", "http"]


@dataclass(frozen=True)
class Site:
    folder: Path
    tricky: Result
    long: Result


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    folder = tmp_path_factory.mktemp("site")
    tricky = narrate_with_tone(tricky_article(), folder / "tricky.mp3")
    long = narrate_with_tone(long_article(), folder / "long.mp3")
    for result in (tricky, long):
        ensure_captions(result)
    write_index(folder)
    (folder / "probe.html").write_text(
        '<!doctype html><html lang="fa"><body><img src="http://192.0.2.1/probe.png" alt=""></body></html>',
        encoding="utf-8",
    )
    return Site(folder, tricky, long)


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[NarrationServer]:
    with running(make_server(site.folder)) as srv:
        yield srv


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = launch(playwright)
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 900, "height": 900}, locale="fa-IR")
    yield ctx
    ctx.close()


def url_of(mode: str, name: str, site: Site, server: NarrationServer) -> str:
    if mode == "file":
        return (site.folder / name).as_uri()
    return server.url + name


def open_page(context: BrowserContext, url: str) -> tuple[Page, Watch]:
    page = context.new_page()
    watch = open_watched(page, url)
    wait_for(page, f"{AUDIO}.readyState >= 1")
    return page, watch


@pytest.fixture(params=MODES)
def tricky(
    request: pytest.FixtureRequest, context: BrowserContext, site: Site, server: NarrationServer
) -> Iterator[tuple[Page, Result]]:
    page, watch = open_page(context, url_of(request.param, "tricky.page.html", site, server))
    yield page, site.tricky
    watch.assert_clean()


def wait_for(page: Page, condition: str, timeout: float = 10_000) -> None:
    """Wait until the JavaScript ``condition`` holds; a function, since the page's CSP forbids eval."""
    page.wait_for_function(f"() => ({condition})", timeout=timeout)


def current_time(page: Page) -> float:
    return float(page.evaluate(f"{AUDIO}.currentTime"))


def active_index(page: Page) -> int:
    return int(page.evaluate(f"(() => {{ const a = {ACTIVE}; return a ? Number(a.dataset.index) : -1; }})()"))


def test_page_loads_with_every_cue_and_no_injection(tricky: tuple[Page, Result]) -> None:
    page, result = tricky
    cues = len(result.timeline.cues)
    assert page.locator("#transcript .cue").count() == cues
    assert page.evaluate(
        f"Array.from({AUDIO}.textTracks).find(t => t.label === 'narration').cues.length"
    ) == cues
    assert page.locator("nav button").count() == len(result.timeline.chapters)
    assert page.title() == TRICKY_TITLE
    assert page.locator("h1").inner_text() == TRICKY_TITLE
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("#transcript .cue").nth(2).inner_text() == result.timeline.cues[2].text
    assert page.evaluate("document.documentElement.dir") == "rtl"
    latin = page.locator("#transcript bdi", has_text="OpenAI")
    assert latin.evaluate("el => getComputedStyle(el).direction") == "ltr"
    assert latin.evaluate("el => getComputedStyle(el).unicodeBidi") == "isolate"


def test_clicking_a_chapter_seeks_to_it(tricky: tuple[Page, Result]) -> None:
    page, result = tricky
    chapter = result.timeline.chapters[1]
    page.locator("nav button").nth(1).click()
    assert current_time(page) == pytest.approx(chapter.start_ms / 1000, abs=SEEK_TOLERANCE_S)
    assert page.locator("nav button").nth(1).get_attribute("aria-current") == "true"
    assert page.locator("nav button[aria-current]").count() == 1
    first_cue = next(i for i, c in enumerate(result.timeline.cues) if c.start_ms >= chapter.start_ms)
    wait_for(page, f"{ACTIVE} && {ACTIVE}.dataset.index === '{first_cue}'")


def test_enter_on_a_focused_chapter_button_seeks(tricky: tuple[Page, Result]) -> None:
    page, result = tricky
    button = page.locator("nav button").nth(2)
    button.focus()
    page.keyboard.press("Enter")
    start = result.timeline.chapters[2].start_ms / 1000
    assert current_time(page) == pytest.approx(start, abs=SEEK_TOLERANCE_S)


def test_playing_moves_the_highlight_with_the_voice(tricky: tuple[Page, Result]) -> None:
    page, result = tricky
    cues = result.timeline.cues
    page.evaluate(f"{AUDIO}.play()")
    wait_for(page, f"{ACTIVE} && Number({ACTIVE}.dataset.index) >= 2", timeout=15_000)
    page.evaluate(f"{AUDIO}.pause()")
    wait_for(page, f"{AUDIO}.paused")
    ms = current_time(page) * 1000
    index = active_index(page)
    chapter = max(c.start_ms for c in result.timeline.chapters if c.start_ms <= ms)
    if cues[index].start_ms <= ms + 1:  # within the sentence, or the pause after it
        assert index == len(cues) - 1 or ms < cues[index + 1].start_ms
        assert cues[index].start_ms >= chapter
    else:  # in the pause that opens a paragraph, its first sentence is shown
        assert chapter <= ms < cues[index].start_ms
        assert index == 0 or cues[index - 1].start_ms < chapter
    assert page.locator("#transcript [aria-current]").count() == 1
    highlighted = page.locator("#transcript .cue").nth(index)
    assert highlighted.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_clicking_a_sentence_seeks_to_it(tricky: tuple[Page, Result]) -> None:
    page, result = tricky
    sentence = page.locator("#transcript .cue").nth(3)
    sentence.click()
    assert current_time(page) == pytest.approx(result.timeline.cues[3].start_ms / 1000, abs=SEEK_TOLERANCE_S)
    wait_for(page, f"{ACTIVE} && {ACTIVE}.dataset.index === '3'")
    assert sentence.get_attribute("tabindex") == "0"
    assert page.locator("#transcript .cue[tabindex='0']").count() == 1


def test_arrow_keys_move_between_sentences_with_one_tab_stop(tricky: tuple[Page, Result]) -> None:
    page, result = tricky
    last = len(result.timeline.cues) - 1
    page.locator("nav button").last.focus()
    page.keyboard.press("Tab")
    focused = "document.activeElement.dataset.index"
    assert page.evaluate(focused) == "0"
    page.keyboard.press("ArrowLeft")  # right to left: left is the next sentence
    assert page.evaluate(focused) == "1"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused) == "2"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(focused) == "1"
    page.keyboard.press("End")
    assert page.evaluate(focused) == str(last)
    page.keyboard.press("ArrowLeft")  # stays on the last one
    assert page.evaluate(focused) == str(last)
    assert page.locator("#transcript .cue[tabindex='0']").count() == 1
    page.keyboard.press("Enter")
    start = result.timeline.cues[last].start_ms / 1000
    assert current_time(page) == pytest.approx(start, abs=SEEK_TOLERANCE_S)
    page.keyboard.press("Home")
    assert page.evaluate(focused) == "0"
    page.keyboard.press("Tab")  # one tab stop: Tab leaves the transcript
    assert page.evaluate("document.activeElement.closest('#transcript') === null")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(focused) == "0"


def test_captions_track_loads_when_served(
    context: BrowserContext, site: Site, server: NarrationServer
) -> None:
    page, watch = open_page(context, url_of("http", "tricky.page.html", site, server))
    page.evaluate(f"{AUDIO}.textTracks[0].mode = 'hidden'")
    track = f"{AUDIO}.textTracks[0]"
    wait_for(page, f"{track}.cues && {track}.cues.length === {len(site.tricky.timeline.cues)}")
    assert page.evaluate(f"{AUDIO}.textTracks[0].kind") == "captions"
    assert page.evaluate(f"{AUDIO}.textTracks[0].language") == "fa"
    watch.assert_clean()


def _follow_and_scroll(context: BrowserContext, url: str, result: Result) -> float:
    page, watch = open_page(context, url)
    page.set_viewport_size({"width": 700, "height": 500})
    late = result.timeline.cues[-3]
    page.evaluate(f"{AUDIO}.play()")
    wait_for(page, f"!{AUDIO}.paused")
    page.evaluate(f"{AUDIO}.currentTime = {late.start_ms / 1000}")
    wait_for(page, f"{ACTIVE} && Number({ACTIVE}.dataset.index) >= {len(result.timeline.cues) - 3}")
    page.wait_for_timeout(1200)
    scrolled = float(page.evaluate("window.scrollY"))
    page.evaluate(f"{AUDIO}.pause()")
    watch.assert_clean()
    return scrolled


@pytest.mark.parametrize("mode", MODES)
def test_scrolling_follows_playback(
    context: BrowserContext, site: Site, server: NarrationServer, mode: str
) -> None:
    assert _follow_and_scroll(context, url_of(mode, "long.page.html", site, server), site.long) > 200


def test_no_scrolling_for_readers_who_prefer_reduced_motion(
    browser: Browser, site: Site, server: NarrationServer
) -> None:
    context = browser.new_context(reduced_motion="reduce")
    try:
        assert _follow_and_scroll(context, url_of("http", "long.page.html", site, server), site.long) == 0
    finally:
        context.close()


@pytest.mark.parametrize("mode", MODES)
def test_index_lists_the_narrations(
    context: BrowserContext, site: Site, server: NarrationServer, mode: str
) -> None:
    page = context.new_page()
    watch = open_watched(page, url_of(mode, "index.html", site, server))
    links = page.locator("ol a")
    hrefs = links.evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert sorted(hrefs) == ["long.page.html", "tricky.page.html"]
    links.filter(has_text="پیمایش").click()
    page.wait_for_url("**/long.page.html")
    wait_for(page, f"{AUDIO}.readyState >= 1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.go_back()
    page.screenshot(path=str(ARTIFACTS / f"index-{mode}.png"))
    watch.assert_clean()


def test_the_guard_blocks_requests_to_other_origins(
    context: BrowserContext, site: Site, server: NarrationServer
) -> None:
    page = context.new_page()
    watch = open_watched(page, url_of("http", "probe.html", site, server))
    page.wait_for_load_state("load")
    assert watch.blocked == ["http://192.0.2.1/probe.png"]
    with pytest.raises(AssertionError):
        watch.assert_clean()


@pytest.mark.parametrize("mode", MODES)
def test_screenshot_is_right_to_left(
    context: BrowserContext, site: Site, server: NarrationServer, mode: str
) -> None:
    page, watch = open_page(context, url_of(mode, "tricky.page.html", site, server))
    page.locator("#transcript .cue").nth(1).click()
    page.mouse.move(0, 0)
    wait_for(page, f"{ACTIVE} && {ACTIVE}.dataset.index === '1'")
    # short headings and chapter titles start at the right edge of their box and end far from the left
    for selector in ("#chapters-heading", "#transcript-heading", "nav li"):
        box, text = page.locator(selector).first.evaluate(
            """el => { const r = document.createRange(); r.selectNodeContents(el);
                       const t = r.getBoundingClientRect(), b = el.getBoundingClientRect();
                       return [[b.left, b.right], [t.left, t.right]]; }"""
        )
        assert abs(text[1] - box[1]) < 40, (selector, box, text)
        assert text[0] - box[0] > 100, (selector, box, text)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{mode}.png"))
    watch.assert_clean()

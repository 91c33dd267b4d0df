"""Headless Chromium for page tests: Debian's ``/usr/bin/chromium`` driven by Playwright.

Never downloads a browser (``scripts/install-browser.sh`` installs Debian's). Every page opened
through :func:`open_watched` records console errors, page errors and every request it tries; requests
that leave the page's own origin are aborted and recorded, so a test can assert there were none.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, Route

from narrator.model import Article, Paragraph, Sentence
from narrator.pipeline import NarrateOptions, Result, render
from tests.fakes import ToneEngine

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
INSTALL_HINT = "run scripts/install-browser.sh (installs Debian's chromium) first"


def launch(playwright: Playwright) -> Browser:
    """Start headless Debian Chromium; fail with a clear message when it is not installed."""
    if not CHROMIUM.is_file():
        raise RuntimeError(f"{CHROMIUM} is missing: {INSTALL_HINT}")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)


def origin_of(url: str) -> str:
    """The origin a request is judged against: ``scheme://host:port``, or the folder for files."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return "file://" + parts.path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}/"


@dataclass
class Watch:
    """What a page did: console errors, uncaught errors, requests made and requests blocked."""

    allowed: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def allows(self, url: str) -> bool:
        return url.startswith(self.allowed) or url.startswith("data:")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"page error: {error}")

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        if not self.allows(request.url) and request.url not in self.blocked:
            self.blocked.append(request.url)

    def on_route(self, route: Route) -> None:
        url = route.request.url
        if self.allows(url):
            route.continue_()
        else:
            if url not in self.blocked:
                self.blocked.append(url)
            route.abort("blockedbyclient")

    def assert_clean(self) -> None:
        """Fail if the page logged an error or tried to reach anything outside its origin."""
        assert self.errors == [], self.errors
        assert self.blocked == [], self.blocked
        outside = [u for u in self.requests if not self.allows(u)]
        assert outside == [], outside


def open_watched(page: Page, url: str) -> Watch:
    """Watch ``page`` (allowing only ``url``'s origin), then load ``url`` in it."""
    watch = Watch(allowed=origin_of(url))
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.on("request", watch.on_request)
    page.route("**/*", watch.on_route)
    page.goto(url)
    return watch


# --- narrations to test pages with -----------------------------------------------------------

TRICKY_TITLE = 'آزمون <script>window.pwned = 1</script> & «OpenAI» "نقل"'
TRICKY_PARAGRAPHS: tuple[tuple[tuple[str, str], ...], ...] = (
    (
        ("مدل GPT-4 را شرکت OpenAI در سال ۲۰۲۳ معرفی کرد.", "مدل جی پی تی چهار را اوپن ای آی معرفی کرد."),
        ("این جمله دوم بند نخست است و کمی بلندتر نوشته شده.", "این جمله دوم بند نخست است و بلندتر است."),
    ),
    (
        ("متنی با </script><script>window.pwned = 2</script> در میان.", "متنی با نشانه در میان."),
        ("نماد & و <b>پررنگ</b> و \"نقل قول\" باید دست نخورده بمانند.", "نماد و پررنگ و نقل قول."),
        ("سومین جمله این بند دربارهٔ iPhone 15 Pro است.", "سومین جمله این بند درباره آیفون پانزده پرو است."),
    ),
    (
        ("بند سوم تنها یک جمله دارد که پایان متن است.", "بند سوم تنها یک جمله دارد که پایان متن است."),
    ),
)


def tricky_article() -> Article:
    """An article whose text tries HTML injection, mixes in Latin runs and differs when spoken."""
    return Article(
        title=TRICKY_TITLE,
        paragraphs=tuple(
            Paragraph(tuple(Sentence(written, spoken) for written, spoken in paragraph))
            for paragraph in TRICKY_PARAGRAPHS
        ),
    )


def long_article(paragraphs: int = 12, sentences: int = 4) -> Article:
    """An article long enough that its transcript does not fit in a small window."""
    return Article(
        title="مقاله‌ای بلند برای آزمودن پیمایش",
        paragraphs=tuple(
            Paragraph(
                tuple(
                    Sentence(f"جمله {s + 1} از بند {p + 1} که برای پر کردن صفحه نوشته شده است.", "جمله")
                    for s in range(sentences)
                )
            )
            for p in range(paragraphs)
        ),
    )


def narrate_with_tone(article: Article, target: Path) -> Result:
    """Narrate ``article`` into ``target`` with the fast deterministic tone voice."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return render(article, ToneEngine(), target, NarrateOptions())


def vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def ensure_captions(result: Result) -> Path:
    """The narration's ``.vtt`` (written here from its timeline if the pipeline wrote none)."""
    vtt = result.path.with_suffix(".vtt")
    if not vtt.exists():
        cues = "\n".join(
            f"{i + 1}\n{vtt_time(c.start_ms)} --> {vtt_time(c.end_ms)}\n{c.text.replace('-->', '->')}\n"
            for i, c in enumerate(result.timeline.cues)
        )
        vtt.write_text(f"WEBVTT\n\n{cues}", encoding="utf-8")
    return vtt

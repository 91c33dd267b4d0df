"""The listening page ``<stem>.html`` beside each MP3: player, chapter buttons and a live transcript.

The page is one self-contained file: its style, script and cue data are inlined, so it works opened
straight from disk (``file://``), where browsers refuse to load ``.vtt`` files. All article text is
escaped; the cue data sits in a ``<script type="application/json">`` that text cannot break out of.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path

from narrator import regex
from narrator.atomic import write_text_atomic
from narrator.files import NarrationFiles
from narrator.model import ChapterMark, Cue, Timeline
from narrator.publish.jalali import persian_date
from narrator.strings import quote_name

PLACEHOLDER = regex.compile(r"\{\{(\w+)\}\}")
# A run of Latin-script words (with digits and inner punctuation) that must keep left-to-right
# order inside a Persian sentence. It starts with a letter and ends with a letter or digit, so the
# sentence's own final punctuation stays outside the isolated run.
_LATIN = "A-Za-z\u00c0-\u024f"
_WORD = rf"[{_LATIN}0-9](?:[{_LATIN}0-9.\-_/&'+@:]*[{_LATIN}0-9])?"
LATIN_RUN = regex.compile(rf"[{_LATIN}](?:[{_LATIN}0-9.\-_/&'+@:]*[{_LATIN}0-9])?(?:[ \t]+{_WORD})*")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@cache
def asset(name: str) -> str:
    """The text of the packaged page asset ``name`` (``page.html``, ``page.css``, ``page.js``…)."""
    return (Path(__file__).parent / "assets" / name).read_text(encoding="utf-8")


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace every ``{{name}}`` in ``template`` in one pass, so inserted text is never re-read.

    >>> fill("<b>{{a}}</b>", {"a": "{{b}}"})
    '<b>{{b}}</b>'
    """

    def value(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return PLACEHOLDER.sub(value, template)


def isolate_latin(text: str) -> str:
    """Escape ``text`` for HTML and wrap each Latin run in ``<bdi>`` so it reads left to right.

    >>> isolate_latin("نسخهٔ GPT-4 از OpenAI <و>.")
    'نسخهٔ <bdi>GPT-4</bdi> از <bdi>OpenAI</bdi> &lt;و&gt;.'
    """
    out: list[str] = []
    last = 0
    for match in LATIN_RUN.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<bdi>{html.escape(match.group())}</bdi>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def clock(ms: int, digits: Callable[[str], str] = lambda s: s.translate(PERSIAN_DIGITS)) -> str:
    """``ms`` as ``m:ss`` (or ``h:mm:ss``), in Persian digits by default.

    >>> clock(83_400)
    '۱:۲۳'
    >>> clock(3_723_000, digits=str)
    '1:02:03'
    """
    seconds = max(ms, 0) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return digits(text)


def script_json(value: object) -> str:
    """``value`` as JSON safe to place inside ``<script>``: no ``<``, ``>`` or ``&`` appear raw.

    >>> script_json({"t": "</script>"})
    '{"t": "\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def group_cues(timeline: Timeline) -> list[list[int]]:
    """Cue indices per chapter: each cue belongs to the last chapter that starts at or before it."""
    if not timeline.chapters:
        return [list(range(len(timeline.cues)))]
    starts = [c.start_ms for c in timeline.chapters]
    groups: list[list[int]] = [[] for _ in starts]
    chapter = 0
    for i, cue in enumerate(timeline.cues):
        while chapter + 1 < len(starts) and starts[chapter + 1] <= cue.start_ms:
            chapter += 1
        groups[chapter].append(i)
    return groups


def _chapter_items(chapters: tuple[ChapterMark, ...]) -> str:
    return "\n".join(
        f'<li><button type="button" data-index="{i}">{isolate_latin(c.title)}'
        f'<span class="time" dir="ltr">{clock(c.start_ms)}</span></button></li>'
        for i, c in enumerate(chapters)
    )


def timed_words(words: Sequence[Cue]) -> str:
    """A sentence's words, each in a ``<span class="w">`` the page highlights while it is heard;
    runs of Latin-script words are isolated together so they keep their left-to-right order."""
    out: list[str] = []
    latin: list[str] = []
    for number, word in enumerate(words):
        span = f'<span class="w" data-w="{number}">{html.escape(word.text)}</span>'
        if LATIN_RUN.fullmatch(word.text.rstrip(".,;:!?،؛؟»)")):
            latin.append(span)
            continue
        if latin:
            out.append(f"<bdi>{' '.join(latin)}</bdi>")
            latin = []
        out.append(span)
    if latin:
        out.append(f"<bdi>{' '.join(latin)}</bdi>")
    return " ".join(out)


def _sentence_words(timeline: Timeline, index: int) -> tuple[Cue, ...]:
    return timeline.words[index] if index < len(timeline.words) else ()


def _sentence(timeline: Timeline, index: int) -> str:
    """One sentence of the transcript: its words in spans when they are timed, else its text."""
    words = _sentence_words(timeline, index)
    if words:
        kind, text = "cue timed", timed_words(words)
    else:
        kind, text = "cue", isolate_latin(timeline.cues[index].text)
    return f'<span class="{kind}" role="button" tabindex="-1" data-index="{index}">{text}</span>'


def _transcript(timeline: Timeline) -> str:
    paragraphs = []
    for group in group_cues(timeline):
        if not group:
            continue
        spans = " ".join(_sentence(timeline, i) for i in group)
        paragraphs.append(f"<p>{spans}</p>")
    return "\n".join(paragraphs)


def _data(timeline: Timeline) -> dict[str, object]:
    def item(mark: Cue | ChapterMark) -> dict[str, object]:
        text = mark.text if isinstance(mark, Cue) else mark.title
        return {"start": mark.start_ms, "end": mark.end_ms, "text": text}

    cues = timeline.cues
    return {
        "duration": timeline.duration_ms,
        "chapters": [item(c) for c in timeline.chapters],
        "cues": [item(c) for c in timeline.cues],
        "words": [[[w.start_ms, w.end_ms] for w in _sentence_words(timeline, i)] for i in range(len(cues))],
    }


def _hash_source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_policy(css: str, js: str | None) -> str:
    """A Content-Security-Policy allowing only the page's own style, script and same-origin media."""
    scripts = _hash_source(js) if js is not None else "'none'"
    return (
        "default-src 'none'; "
        f"script-src {scripts}; style-src {_hash_source(css)}; "
        "media-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
    )


def published_html(published: datetime | None) -> str:
    """The publication date for readers (Jalali) with the Gregorian instant for machines."""
    if published is None:
        return ""
    instant = published.replace(microsecond=0).isoformat()  # as the manifest records it
    return f'<time datetime="{html.escape(instant)}">{persian_date(published)}</time> · '


def render_page(title: str, audio_name: str, timeline: Timeline, published: datetime | None = None) -> str:
    """The listening page for the audio file ``audio_name`` (a file name beside the page) as HTML
    text; ``published`` is shown as a Jalali date."""
    stem = audio_name.rsplit(".", 1)[0]
    css, js = asset("page.css"), asset("page.js")
    values = {
        "title": html.escape(title),
        "heading": isolate_latin(title),
        "audio": html.escape(quote_name(audio_name)),
        "captions": html.escape(quote_name(stem + ".vtt")),
        "duration": clock(timeline.duration_ms),
        "published": published_html(published),
        "chapters": _chapter_items(timeline.chapters),
        "transcript": _transcript(timeline),
        "data": script_json(_data(timeline)),
        "css": css,
        "js": js,
        "csp": html.escape(content_policy(css, js)),
    }
    return fill(asset("page.html"), values)


def page_path(mp3: Path) -> Path:
    """Where the listening page for ``mp3`` goes: ``<stem>.page.html`` beside it."""
    return NarrationFiles.beside(mp3).page


def write_page(mp3: Path, title: str, timeline: Timeline, published: datetime | None = None) -> Path:
    """Write the listening page for ``mp3`` beside it, atomically; return the page's path."""
    target = page_path(mp3)
    write_text_atomic(target, render_page(title, mp3.name, timeline, published))
    return target

"""The listening page and the folder index, checked as written files (the browser tests run them)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrator.cli import main
from narrator.errors import InputError, OutputError
from narrator.model import ChapterMark, Cue, Timeline
from narrator.pipeline import Result
from narrator.publish.index import collect, render_index, write_index, write_pages
from narrator.publish.manifest import (
    FORMAT,
    FORMAT_VERSION,
    AudioInfo,
    Files,
    Manifest,
    ParagraphEntry,
    SentenceEntry,
    SourceInfo,
)
from narrator.publish.page import (
    clock,
    fill,
    group_cues,
    isolate_latin,
    render_page,
    script_json,
    write_page,
)
from tests.browser import TRICKY_PARAGRAPHS, TRICKY_TITLE, narrate_with_tone, tricky_article

VOID = {"meta", "link", "br", "img", "input", "source", "track", "hr", "wbr"}


@dataclass
class Node:
    """An element of a parsed page: its tag, attributes, children and the text directly inside."""

    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and all(child.attrs.get(k) == v for k, v in attrs.items()):
                    found.append(child)
                found.extend(child.find_all(tag, **attrs))
        return found

    def one(self, tag: str, **attrs: str) -> Node:
        (node,) = self.find_all(tag, **attrs)
        return node


class TreeBuilder(HTMLParser):
    """Builds :class:`Node` trees; fails on a closing tag that does not match the open one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


@pytest.fixture(scope="module")
def narration(tmp_path_factory: pytest.TempPathFactory) -> Result:
    return narrate_with_tone(tricky_article(), tmp_path_factory.mktemp("page") / "خبر یک.mp3")


def test_render_writes_the_page_beside_the_mp3(narration: Result) -> None:
    page = narration.path.with_name(narration.path.stem + ".page.html")
    assert page.is_file()
    assert [p.name for p in page.parent.iterdir() if p.name.endswith(".part")] == []
    root = parse(page.read_text(encoding="utf-8"))
    html_el = root.one("html")
    assert html_el.attrs["lang"] == "fa" and html_el.attrs["dir"] == "rtl"
    assert root.one("title").text == TRICKY_TITLE
    assert root.one("h1").text == TRICKY_TITLE
    audio = root.one("audio")
    assert "controls" in audio.attrs
    assert audio.attrs["src"] == "%D8%AE%D8%A8%D8%B1%20%DB%8C%DA%A9.mp3"  # relative, percent-encoded
    track = audio.one("track")
    assert track.attrs == {"kind": "captions", "srclang": "fa", "label": "فارسی", "src": track.attrs["src"]}
    assert track.attrs["src"].endswith(".vtt") and "/" not in track.attrs["src"]


def test_page_has_written_sentences_grouped_by_paragraph(narration: Result) -> None:
    root = parse(narration.path.with_name(narration.path.stem + ".page.html").read_text(encoding="utf-8"))
    transcript = root.one("div", id="transcript")
    paragraphs = transcript.find_all("p")
    shown = [[s.text for s in p.find_all("span", **{"class": "cue"})] for p in paragraphs]
    assert shown == [[written for written, _ in paragraph] for paragraph in TRICKY_PARAGRAPHS]
    spoken = {s for paragraph in TRICKY_PARAGRAPHS for w, s in paragraph if s != w}
    assert not any(s in transcript.text for s in spoken)
    cues = transcript.find_all("span", **{"class": "cue"})
    assert [c.attrs["data-index"] for c in cues] == [str(i) for i in range(len(narration.timeline.cues))]
    assert all(c.attrs["tabindex"] == "-1" and c.attrs["role"] == "button" for c in cues)


def test_chapters_are_buttons_with_titles_and_times(narration: Result) -> None:
    root = parse(narration.path.with_name(narration.path.stem + ".page.html").read_text(encoding="utf-8"))
    buttons = root.one("nav").find_all("button")
    assert len(buttons) == len(narration.timeline.chapters) == len(TRICKY_PARAGRAPHS)
    for button, chapter in zip(buttons, narration.timeline.chapters, strict=True):
        assert button.attrs["type"] == "button"
        assert button.text == chapter.title + clock(chapter.start_ms)


def test_cue_data_matches_the_timeline_and_cannot_break_out(narration: Result) -> None:
    text = narration.path.with_name(narration.path.stem + ".page.html").read_text(encoding="utf-8")
    root = parse(text)
    scripts = root.find_all("script")
    assert [s.attrs.get("type") for s in scripts] == ["application/json", None]
    data = json.loads(scripts[0].text)
    timeline = narration.timeline
    assert data["duration"] == timeline.duration_ms
    assert data["cues"] == [{"start": c.start_ms, "end": c.end_ms, "text": c.text} for c in timeline.cues]
    chapters = [{"start": c.start_ms, "end": c.end_ms, "text": c.title} for c in timeline.chapters]
    assert data["chapters"] == chapters
    # exactly two scripts opened and closed: the injected ones stayed text
    assert text.count("<script") == 2 and text.count("</script>") == 2
    assert "window.pwned" not in scripts[1].text


def test_latin_runs_are_isolated(narration: Result) -> None:
    root = parse(narration.path.with_name(narration.path.stem + ".page.html").read_text(encoding="utf-8"))
    isolated = [b.text for b in root.one("div", id="transcript").find_all("bdi")]
    expected = ["GPT-4", "OpenAI", "script", "script", "window.pwned", "script", "b", "b", "iPhone 15 Pro"]
    assert isolated == expected


def test_content_policy_hashes_the_inline_script_and_style(narration: Result) -> None:
    text = narration.path.with_name(narration.path.stem + ".page.html").read_text(encoding="utf-8")
    root = parse(text)
    policy = root.one("meta", **{"http-equiv": "Content-Security-Policy"}).attrs["content"]

    def digest(source: str) -> str:
        return base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()

    script = root.find_all("script")[1].text
    style = root.one("style").text
    assert f"script-src 'sha256-{digest(script)}'" in policy
    assert f"style-src 'sha256-{digest(style)}'" in policy
    assert "default-src 'none'" in policy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("بدون لاتین.", "بدون لاتین."),
        ("نام Apple.", "نام <bdi>Apple</bdi>."),
        ("نسخه iOS 17.2 منتشر شد", "نسخه <bdi>iOS 17.2</bdi> منتشر شد"),
        ("«BBC» گفت", "«<bdi>BBC</bdi>» گفت"),
        ("a<b", "<bdi>a</bdi>&lt;<bdi>b</bdi>"),
        ("Café de Flore، پاریس", "<bdi>Café de Flore</bdi>، پاریس"),
        ("۱۲ Mbps", "۱۲ <bdi>Mbps</bdi>"),
    ],
)
def test_isolate_latin(text: str, expected: str) -> None:
    assert isolate_latin(text) == expected


@given(st.text())
def test_script_json_round_trips_and_has_no_markup(text: str) -> None:
    encoded = script_json({"text": text})
    assert not re.search(r"[<>&\u2028\u2029]", encoded)
    assert json.loads(encoded) == {"text": text}


@given(st.text())
def test_isolate_latin_escapes_everything(text: str) -> None:
    out = isolate_latin(text)
    assert re.sub(r"</?bdi>", "", out).count("<") == 0
    assert parse(f"<p>{out}</p>").text == text


def test_fill_is_one_pass_and_needs_every_value() -> None:
    assert fill("{{a}}-{{b}}", {"a": "{{b}}", "b": "x"}) == "{{b}}-x"
    with pytest.raises(KeyError):
        fill("{{missing}}", {})


def test_group_cues_follows_chapter_starts() -> None:
    timeline = Timeline(
        duration_ms=900,
        chapters=(ChapterMark(0, 300, "a"), ChapterMark(300, 600, "b"), ChapterMark(600, 900, "c")),
        cues=(Cue(0, 100, "1"), Cue(150, 300, "2"), Cue(300, 600, "3"), Cue(600, 900, "4")),
    )
    assert group_cues(timeline) == [[0, 1], [2], [3]]
    assert group_cues(Timeline(100, (), (Cue(0, 100, "x"),))) == [[0]]


def test_clock() -> None:
    assert clock(0) == "۰:۰۰"
    assert clock(59_999, digits=str) == "0:59"
    assert clock(3_600_000, digits=str) == "1:00:00"


def test_write_page_into_an_unwritable_folder(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = tmp_path / "not-a-folder" / "x.mp3"  # root may write anywhere: use a missing folder
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        target = locked / "x.mp3"
    with pytest.raises(OutputError, match="cannot be written"):
        write_page(target, "t", Timeline(0, (), ()))


def test_render_page_escapes_the_audio_name() -> None:
    root = parse(render_page("t", 'a"b<c>.mp3', Timeline(1000, (), (Cue(0, 1000, "x"),))))
    assert root.one("audio").attrs["src"] == "a%22b%3Cc%3E.mp3"
    assert root.one("track").attrs["src"] == "a%22b%3Cc%3E.vtt"


# --- index ----------------------------------------------------------------------------------


def _two_narrations(folder: Path) -> tuple[Result, Result]:
    older = narrate_with_tone(tricky_article(), folder / "older.mp3")
    newer = narrate_with_tone(tricky_article(), folder / "newer.mp3")
    for result, when in ((older, 1_700_000_000), (newer, 1_800_000_000)):
        os.utime(result.path, (when, when))
        result.path.with_suffix(".json").unlink(missing_ok=True)  # index from the MP3 tags alone
    return older, newer


def test_index_lists_newest_first_with_durations(tmp_path: Path) -> None:
    older, newer = _two_narrations(tmp_path)
    entries = collect(tmp_path)
    assert [e.audio for e in entries] == ["newer.mp3", "older.mp3"]
    assert [e.page for e in entries] == ["newer.page.html", "older.page.html"]
    for entry, result in zip(entries, (newer, older), strict=True):
        assert entry.title == TRICKY_TITLE
        assert abs(entry.duration_ms - result.timeline.duration_ms) < 80  # MP3 frame padding
    root = parse(write_index(tmp_path).read_text(encoding="utf-8"))
    assert root.one("html").attrs == {"lang": "fa", "dir": "rtl"}
    links = root.one("ol").find_all("a")
    assert [a.attrs["href"] for a in links] == ["newer.page.html", "older.page.html"]
    assert [a.text for a in links] == [TRICKY_TITLE, TRICKY_TITLE]
    assert root.one("ol").text.count(clock(newer.timeline.duration_ms)) >= 1
    assert not root.find_all("script")


def test_index_of_an_empty_folder_and_a_missing_one(tmp_path: Path) -> None:
    root = parse(render_index(collect(tmp_path)))
    assert root.one("ol").find_all("a") == []
    with pytest.raises(InputError, match="no such folder"):
        collect(tmp_path / "missing")


def _manifest_for(result: Result, title: str, created: str) -> Manifest:
    """A manifest for ``result`` as issue 4's writer records it, with its own title and date."""
    timeline = result.timeline
    paragraphs = []
    cue = 0
    pairs = zip(timeline.chapters, result.article.paragraphs, strict=True)
    for index, (chapter, paragraph) in enumerate(pairs):
        sentences = []
        for sentence in paragraph.sentences:
            c = timeline.cues[cue]
            sentences.append(SentenceEntry(cue, c.start_ms, c.end_ms, sentence.written, sentence.spoken))
            cue += 1
        paragraphs.append(
            ParagraphEntry(index, chapter.start_ms, chapter.end_ms, chapter.title, paragraph.written,
                           tuple(sentences))
        )
    stem = result.path.stem
    return Manifest(
        format=FORMAT, format_version=FORMAT_VERSION, narrator_version="test", guid="g", created=created,
        title=title, language="fa", duration_ms=timeline.duration_ms, engine="tone", voice="tone",
        album="", source=SourceInfo("x.txt", "0" * 64), audio=AudioInfo(1, 16000, 64, 1), loudness=None,
        files=Files(f"{stem}.mp3", f"{stem}.vtt", f"{stem}.srt", f"{stem}.chapters.json", f"{stem}.json"),
        paragraphs=tuple(paragraphs),
    )


def test_index_and_pages_come_from_manifests_when_present(tmp_path: Path) -> None:
    older, newer = _two_narrations(tmp_path)
    # the manifest dates say the opposite of the file times: the manifest wins
    runs = ((older, "قدیمی", "2030-01-01T00:00:00Z"), (newer, "تازه", "2020-01-01T00:00:00Z"))
    for result, title, created in runs:
        result.path.with_suffix(".json").write_text(_manifest_for(result, title, created).to_json(), "utf-8")
        result.path.with_name(result.path.stem + ".page.html").unlink()
    entries = collect(tmp_path)
    assert [(e.audio, e.title) for e in entries] == [("older.mp3", "قدیمی"), ("newer.mp3", "تازه")]
    assert entries[0].duration_ms == older.timeline.duration_ms
    assert entries[0].page is None  # pages were removed; the index links the MP3
    assert sorted(p.name for p in write_pages(tmp_path)) == ["newer.page.html", "older.page.html"]
    page = (tmp_path / "older.page.html").read_text(encoding="utf-8")
    assert page == render_page("قدیمی", "older.mp3", older.timeline, datetime(2030, 1, 1, tzinfo=UTC))
    assert '<time datetime="2030-01-01T00:00:00+00:00">۱۲ دی ۱۴۰۸</time>' in page
    stale = json.loads((tmp_path / "older.json").read_text(encoding="utf-8"))
    stale["format_version"] = 0
    (tmp_path / "older.json").write_text(json.dumps(stale), encoding="utf-8")
    # an unusable manifest does not hide its narration: the index falls back to the MP3's tags
    fallback = {e.audio: e for e in collect(tmp_path)}["older.mp3"]
    assert fallback.title == older.article.title and fallback.title != "قدیمی"
    assert fallback.published == datetime.fromtimestamp(1_700_000_000, UTC)


def test_cli_page_writes_the_index(tmp_path: Path) -> None:
    _two_narrations(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["page", str(tmp_path)], stdout=out, stderr=err) == 0, err.getvalue()
    assert (tmp_path / "index.html").is_file()
    assert str(tmp_path / "index.html") in out.getvalue()
    err = io.StringIO()
    assert main(["page", str(tmp_path / "missing")], stdout=io.StringIO(), stderr=err) == 1
    assert "no such folder" in err.getvalue()

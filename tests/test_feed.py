"""``narrator feed``: the RSS document read back with feedparser (and ElementTree for what it skips)."""

from __future__ import annotations

import calendar
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser  # type: ignore[import-untyped]
import pytest

from narrator.cli import main
from narrator.errors import OutputError
from narrator.publish.feed import ITUNES, PODCAST, podcast_guid
from narrator.publish.jalali import persian_date
from narrator.publish.manifest import Manifest, load_manifest
from tests.podcast_fixtures import narrate_tones, tone_article

BASE = "https://example.org/پادکست خبر"
IMAGE = "https://example.org/art.png"
CHANNEL_TITLE = "خبرهای <روز> & شب"
EPISODES = {  # stem: (title, created)
    "a": ("نخستین «خبر» <مهم> & فوری", datetime(2026, 1, 1, 8, 0, tzinfo=UTC)),
    "b": ("دومین خبر", datetime(2026, 2, 1, 8, 0, tzinfo=UTC)),
    "c": ("سومین خبر", datetime(2026, 1, 15, 8, 0, tzinfo=UTC)),
}


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("podcast")
    for stem, (title, created) in EPISODES.items():
        narrate_tones(root, stem=stem, created=created, article=tone_article(title=title, salt=stem))
    return root


@pytest.fixture(scope="module")
def feed(folder: Path) -> Path:
    argv = ["feed", str(folder), "--base-url", BASE, "--title", CHANNEL_TITLE, "--author", "نویسنده",
            "--image", IMAGE]
    code, out, err = run(argv)
    assert code == 0, err
    assert out.splitlines()[0] == str(folder / "feed.xml")
    return folder / "feed.xml"


@pytest.fixture(scope="module")
def parsed(feed: Path) -> Any:
    document = feedparser.parse(feed.read_bytes())
    assert not document.bozo, document.get("bozo_exception")
    return document


def manifests(folder: Path) -> dict[str, Manifest]:
    return {stem: load_manifest(folder / f"{stem}.json") for stem in EPISODES}


def served_file(folder: Path, url: str) -> Path:
    """The file in ``folder`` that ``url`` names when the folder is served at ``BASE``."""
    assert url.startswith(BASE.replace(" ", "%20")) or url.startswith("https://example.org/")
    return folder / unquote(urlsplit(url).path.rsplit("/", 1)[1])


def test_channel_carries_itunes_and_podcasting20_fields(parsed: Any, feed: Path) -> None:
    channel = parsed.feed
    assert channel.title == CHANNEL_TITLE
    assert channel.language == "fa"
    assert channel.image.href == IMAGE
    assert channel.author == "نویسنده"
    assert [t.term for t in channel.tags] == ["News"]
    assert not channel.itunes_explicit  # feedparser knows yes/clean; Apple now asks for true/false
    assert ET.parse(feed).getroot().findtext(f"./channel/{{{ITUNES}}}explicit") == "false"
    feed_url = next(link.href for link in channel.links if link.rel == "self")
    assert channel.podcast_guid == podcast_guid(feed_url)


def test_podcast_guid_follows_the_podcasting20_example() -> None:
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"


def test_items_are_newest_first_and_every_item_is_complete(parsed: Any, folder: Path) -> None:
    found = manifests(folder)
    expected = sorted(EPISODES, key=lambda stem: EPISODES[stem][1], reverse=True)
    assert [e.title for e in parsed.entries] == [EPISODES[stem][0] for stem in expected]
    for entry, stem in zip(parsed.entries, expected, strict=True):
        manifest = found[stem]
        assert entry.id == manifest.guid and entry.guidislink is False
        assert calendar.timegm(entry.published_parsed) == int(EPISODES[stem][1].timestamp())
        (enclosure,) = entry.enclosures
        audio = served_file(folder, enclosure.href)
        assert audio == folder / f"{stem}.mp3"
        assert enclosure.type == "audio/mpeg" and int(enclosure.length) == audio.stat().st_size
        seconds = round(manifest.duration_ms / 1000)
        assert entry.itunes_duration == f"00:{seconds // 60:02d}:{seconds % 60:02d}"
        assert entry.podcast_chapters["type"] == "application/json+chapters"
        chapters = json.loads(served_file(folder, entry.podcast_chapters["url"]).read_text("utf-8"))
        assert chapters["version"] == "1.2.0"
        jalali = persian_date(EPISODES[stem][1])
        assert entry.summary == f"{jalali} — {manifest.paragraphs[0].text}", "a Jalali date, then the text"
        assert re.fullmatch("[۰-۹]+ [آ-ی]+ ۱۴[۰-۹]{2}", jalali)


def test_every_item_lists_both_transcripts(feed: Path, folder: Path) -> None:
    items = ET.parse(feed).getroot().findall("./channel/item")
    assert len(items) == len(EPISODES)
    for item in items:
        transcripts = {t.get("type"): t for t in item.findall(f"{{{PODCAST}}}transcript")}
        assert set(transcripts) == {"text/vtt", "application/x-subrip"}
        assert all(t.get("language") == "fa" for t in transcripts.values())
        vtt = served_file(folder, transcripts["text/vtt"].get("url", ""))
        assert vtt.suffix == ".vtt" and vtt.read_text("utf-8").startswith("WEBVTT")
        assert served_file(folder, transcripts["application/x-subrip"].get("url", "")).suffix == ".srt"
        assert item.find(f"{{{ITUNES}}}explicit") is not None
        image = item.find(f"{{{ITUNES}}}image")
        assert image is not None and image.get("href") == IMAGE


def test_persian_and_markup_characters_are_escaped_not_lost(feed: Path) -> None:
    raw = feed.read_text("utf-8")
    assert "&lt;مهم&gt; &amp; فوری" in raw and "<مهم>" not in raw
    root = ET.parse(feed).getroot()
    assert root.findtext("./channel/title") == CHANNEL_TITLE


def test_guids_are_stable_across_runs_and_renarration(folder: Path, feed: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    title = EPISODES["a"][0]
    later = datetime(2026, 5, 1, tzinfo=UTC)
    renarrated = narrate_tones(copy, stem="a", created=later, article=tone_article(title=title, salt="a"))
    assert renarrated.manifest is not None and renarrated.manifest.guid == manifests(folder)["a"].guid
    code, _, err = run(["feed", str(copy), "--base-url", BASE, "-o", str(tmp_path / "again.xml")])
    assert code == 0, err
    again = feedparser.parse((tmp_path / "again.xml").read_bytes())
    first = feedparser.parse(feed.read_bytes())
    assert {e.id for e in again.entries} == {e.id for e in first.entries}
    assert again.entries[0].id == renarrated.manifest.guid, "the re-narrated article is now the newest"


@pytest.mark.parametrize(
    ("argv_tail", "message"),
    [
        (["--base-url", "ftp://example.org/"], "--base-url must be an http:// or https:// URL, not 'ftp://example.org/'"),
        (["--base-url", "example.org/pod"], "--base-url must be an http:// or https:// URL"),
        (["--base-url", BASE, "--image", "file:///art.png"], "--image must be an http:// or https:// URL"),
    ],
)
def test_bad_urls_are_refused_and_nothing_is_written(
    argv_tail: list[str], message: str, folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "feed.xml"
    code, _, err = run(["feed", str(folder), *argv_tail, "-o", str(out)])
    assert code == 1 and err.startswith(f"narrator: error: {message}") and err.count("\n") == 1
    assert not out.exists()


def test_a_folder_without_narrations_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text('{"hello": 1}', "utf-8")
    code, _, err = run(["feed", str(tmp_path), "--base-url", BASE])
    assert code == 1
    reason = "has no narrations (no manifest <name>.json beside a <name>.mp3, .m4b or .m4a)"
    assert err == f"narrator: error: {tmp_path}: {reason}\n"
    assert not (tmp_path / "feed.xml").exists()


def test_an_older_manifest_is_skipped_with_a_warning(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    data = json.loads((copy / "c.json").read_text("utf-8"))
    del data["format_version"]
    (copy / "c.json").write_text(json.dumps(data), "utf-8")
    code, _, err = run(["feed", str(copy), "--base-url", BASE])
    assert code == 0, err
    reason = "not a usable narration manifest: missing field 'format_version'"
    assert err.startswith(f"narrator: warning: {copy / 'c.json'}: {reason}")
    assert "left out of the feed" in err and err.count("\n") == 1
    assert enclosure_names(copy / "feed.xml") == ["b.mp3", "a.mp3"]


def test_a_manifest_whose_file_is_gone_is_skipped_and_named(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "b.vtt").unlink()
    code, _, err = run(["feed", str(copy), "--base-url", BASE])
    assert code == 0
    missing = f"{copy / 'b.json'}: its file b.vtt is missing from {copy}"
    assert err == f"narrator: warning: {missing}; left out of the feed\n"
    assert enclosure_names(copy / "feed.xml") == ["c.mp3", "a.mp3"]


def test_when_every_narration_is_unusable_the_feed_fails_and_the_old_one_stays(
    folder: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    previous = "<rss><channel><generator>narrator 0.1.0</generator></channel></rss>"
    (copy / "feed.xml").write_text(previous, "utf-8")
    for stem in EPISODES:
        (copy / f"{stem}.json").write_text("{not json", "utf-8")
    code, _, err = run(["feed", str(copy), "--base-url", BASE])
    assert code == 1
    assert err.splitlines()[-1] == (
        f"narrator: error: {copy}: has no narrations that can be published (3 skipped)"
        " (no manifest <name>.json beside a <name>.mp3, .m4b or .m4a)"
    )
    assert (copy / "feed.xml").read_text("utf-8") == previous


def enclosure_names(feed: Path) -> list[str]:
    root = ET.fromstring(feed.read_bytes())
    return [unquote(urlsplit(e.attrib["url"]).path.rsplit("/", 1)[1]) for e in root.iter("enclosure")]


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "/etc/passwd", "sub/a.mp3", "..", ".hidden.mp3"])
def test_a_manifest_naming_a_file_outside_the_folder_is_not_published(
    name: str, folder: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "sub").mkdir()
    shutil.copy(copy / "a.mp3", copy / "sub" / "a.mp3")
    shutil.copy(copy / "a.mp3", copy / ".hidden.mp3")
    data = json.loads((copy / "a.json").read_text("utf-8"))
    data["files"]["mp3"] = name
    data["guid"] = "planted"
    (copy / "planted.json").write_text(json.dumps(data), "utf-8")
    code, _, err = run(["feed", str(copy), "--base-url", BASE])
    assert code == 0
    assert err == (
        f"narrator: warning: {copy / 'planted.json'}: names a file outside {copy}: {name!r};"
        " left out of the feed\n"
    )
    text = (copy / "feed.xml").read_text("utf-8")
    assert "passwd" not in text and "planted" not in text and "hidden" not in text
    assert enclosure_names(copy / "feed.xml") == ["b.mp3", "c.mp3", "a.mp3"]


NASTY = "\x00\x01\x08\x0b\x1b\x7f\x85\ufffe\uffff\u202e\ud800"


def test_forbidden_characters_in_options_and_articles_never_break_the_feed(tmp_path: Path) -> None:
    in_text = NASTY.replace("\ud800", "")  # decoded article text never holds a lone surrogate
    narrate_tones(tmp_path, stem="x", article=tone_article(title=f"خبر {in_text}نخست", salt=in_text))
    argv = ["feed", str(tmp_path), "--base-url", f"https://example.org/p{NASTY}",
            "--title", f"عنوان{NASTY} كانال", "--author", f"نويسنده{NASTY}", "--description", f"شرح{NASTY}",
            "--image", f"https://example.org/a{NASTY}.png"]
    code, _, err = run(argv)
    assert code == 1 and "--title is not valid UTF-8" in err and err.count("\n") == 1
    argv = [a.replace("\ud800", "") for a in argv]
    code, _, err = run(argv)
    assert code == 0, err
    data = (tmp_path / "feed.xml").read_bytes()
    root = ET.fromstring(data)  # well-formed
    assert not feedparser.parse(data).bozo
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("title") == "عنوان کانال"  # NFC, Persian letters, no controls or bidi
    assert channel.findtext(f"{{{ITUNES}}}author") == "نویسنده"
    assert channel.findtext("description") == "شرح"
    assert channel.findtext("link") == "https://example.org/p"
    item = channel.find("item")
    assert item is not None
    assert item.findtext("title") == "خبر نخست"
    for char in "\x00\x01\x08\x0b\x1b\x7f\x85\ufffe\uffff":  # (article text keeps U+202E: prepare drops it)
        assert char not in data.decode("utf-8")


def test_the_feed_is_checked_well_formed_before_it_is_written(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrator.publish.feed as feed_module

    monkeypatch.setattr(feed_module, "xml_safe", lambda text: text)
    monkeypatch.setattr(feed_module, "clean_settings", lambda settings: settings)
    bad = feed_module.FeedSettings(base_url=BASE, title="bad\x01")
    with pytest.raises(OutputError, match="would not be well-formed"):
        feed_module.write_feed(folder, bad, tmp_path / "bad.xml")
    assert not (tmp_path / "bad.xml").exists()

"""User-supplied strings: normalized, XML-safe, and invalid UTF-8 refused (options) or survived (names)."""

from __future__ import annotations

import http.client
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from narrator.cli import main
from narrator.errors import InputError
from narrator.serve import make_server, running
from narrator.strings import checked_option, clean_text, has_invalid_utf8, repair_surrogates, xml_safe
from tests.conftest import ROOT
from tests.podcast_fixtures import narrate_tones

SHORT = "امروز خبر کوتاهی منتشر شد. مردم شهر آن را خواندند.\n"


def test_clean_text_normalizes_like_article_text() -> None:
    assert clean_text("\u0627\u0653ب") == "\u0622ب"  # NFC
    assert clean_text("كتاب علي") == "کتاب علی"  # Arabic letter forms to Persian ones
    assert clean_text("\u202eخبر\u202c \u2067داغ\u2069\u200f") == "خبر داغ"  # bidi controls gone
    assert clean_text("  a\tb\n\nc  ") == "a b c"
    assert clean_text("x\x00\x07\x1b\x7f\x85\ufffe\uffff\ud800y") == "x\ufffdy"  # the lone surrogate shows
    assert clean_text("نیم\u200cفاصله") == "نیم\u200cفاصله"  # ZWNJ is text, kept


def test_xml_safe_drops_only_what_xml_forbids() -> None:
    assert xml_safe("a\tb\nc\rd\x00\x0b\x0c\x1f\ufffe\uffff\ud800e") == "a\tb\nc\rde"
    assert xml_safe("«خبر» <b> & 😀") == "«خبر» <b> & 😀"


def test_invalid_utf8_is_found_and_shown_as_replacement_characters() -> None:
    raw = os.fsdecode(b"bad\xff\xfe")
    assert has_invalid_utf8(raw) and not has_invalid_utf8("خبر")
    assert repair_surrogates(raw) == "bad\ufffd\ufffd"
    with pytest.raises(InputError, match="--title is not valid UTF-8"):
        checked_option(raw, "--title")


@pytest.mark.parametrize("option", ["--title", "--album", "--source"])
def test_invalid_utf8_in_an_option_is_one_line_before_any_work(tmp_path: Path, option: str) -> None:
    article = tmp_path / "a.txt"
    article.write_text(SHORT, "utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["narrate", str(article), "-o", str(tmp_path / "out"), option, os.fsdecode(b"x\xff")],
                stdout=out, stderr=err)
    assert code == 1
    assert err.getvalue() == f"narrator: error: {option} is not valid UTF-8: 'x\ufffd'\n"
    assert not (tmp_path / "out").exists()  # refused before the output folder was even made


def test_an_input_name_that_is_not_utf8_narrates_and_prints_without_a_traceback(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    source = folder + b"/bad\xff.txt"
    with open(source, "wb") as handle:
        handle.write(SHORT.encode("utf-8"))
    out_dir = folder + b"/out"
    title = "\u202eخبر  كوتاه\x07"
    proc = subprocess.run(
        [sys.executable, "-m", "narrator", "narrate", source, "-o", out_dir, "--engine", "espeak", "-q",
         "--title", title, "--album", "نشريه\u202e"],
        cwd=ROOT, capture_output=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in proc.stderr
    mp3 = tmp_path / "out" / "bad\ufffd.mp3"
    assert os.fsencode(mp3) in proc.stdout.splitlines()
    assert sorted(p.name for p in mp3.parent.iterdir()) == sorted(
        f"bad\ufffd{suffix}" for suffix in (".mp3", ".vtt", ".srt", ".chapters.json", ".json", ".page.html")
    )
    tags = ID3(mp3)
    assert str(tags["TIT2"]) == "خبر کوتاه"
    assert str(tags["TALB"]) == "نشریه"
    assert "bad\ufffd.txt" in str(tags.getall("COMM")[0])


def test_a_folder_holding_a_name_that_is_not_utf8_is_indexed_and_served(tmp_path: Path) -> None:
    narrate_tones(tmp_path, stem="good")
    bad = os.fsdecode(b"bad\xff.mp3")
    (tmp_path / "good.mp3").rename(tmp_path / bad)
    out, err = io.StringIO(), io.StringIO()
    assert main(["page", str(tmp_path)], stdout=out, stderr=err) == 0, err.getvalue()
    index = (tmp_path / "index.html").read_text("utf-8")
    assert 'href="bad%FF.mp3"' in index
    with running(make_server(tmp_path, 0)) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.request("GET", "/bad%FF.mp3")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, (tmp_path / bad).read_bytes())
        conn.close()


def test_invalid_utf8_in_the_text_to_say_or_the_feed_url_is_one_line(tmp_path: Path) -> None:
    for argv in (["say", os.fsdecode(b"\xd8\xa7\xff"), "-o", str(tmp_path / "s.mp3")],
                 ["feed", str(tmp_path), "--base-url", os.fsdecode(b"https://x/\xff")]):
        out, err = io.StringIO(), io.StringIO()
        assert main(argv, stdout=out, stderr=err) == 1
        assert err.getvalue().startswith("narrator: error: ") and err.getvalue().count("\n") == 1
        assert "not valid UTF-8" in err.getvalue()
    assert list(tmp_path.iterdir()) == []

"""Real-world inputs: a saved news page, the same page over HTTP, standard input, FIFOs, devices,
symbolic-link loops and oversized inputs. Every input is read once, under a size cap."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from narrator.batch import expand_inputs, plan
from narrator.cli import main
from narrator.sources import Source, max_bytes, read_source, url_stem
from narrator.text.html import PageArticle, decode_html, looks_like_html, meta_charset
from tests.peak import run_measured
from tests.standin import Reply, StandinServer, always

ROOT = Path(__file__).resolve().parent.parent
PAGE = Path(__file__).parent / "inputs" / "news_page.html"
HEADLINE = "تکمیل ۱۶۰۰ واحد تولیدی در خوزستان"
#: Words of the page's chrome (menu, breadcrumbs, metadata line, share and tag links, related
#: articles, readers' comments, comment form, footer, scripts and styles): none may be narrated.
CHROME = (
    "صفحه اصلی", "تماس با ما", "جستجو", "خانه", "کد خبر", "اشتراک", "تلگرام", "برچسب", "اخبار مرتبط",
    "گوجه", "نمایشگاه", "نظرات", "جوانان بیکار", "وعده", "ارسال نظر", "تمامی حقوق", "تبلیغات",
    "dataLayer", "gtag", "addEventListener", "Vazirmatn", "NewsArticle", "schema",
)


def run(*argv: str, stdin: io.TextIOBase | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=stdin or io.StringIO(""))  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def article_paragraphs(seed: Path) -> list[str]:
    """The four seed paragraphs the news page carries, as the page has them."""
    return [line.strip() for line in seed.read_text(encoding="utf-8").splitlines() if line.strip()][:4]


def byte_stdin(data: bytes) -> io.TextIOWrapper:
    """A text stream over ``data`` with a ``.buffer``, like ``sys.stdin``."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 1, err
    assert err.count("\n") == 1 and err.startswith("narrator: error: ") and "Traceback" not in err, err
    for word in words:
        assert word in err, err


def manifest(mp3: Path) -> dict[str, object]:
    data = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --- HTML pages --------------------------------------------------------------------------------


def test_text_of_a_news_page_is_its_article_and_nothing_else(tmp_path: Path, seed: Path) -> None:
    plain = tmp_path / "article.txt"
    plain.write_text("\n".join([HEADLINE, *article_paragraphs(seed)]) + "\n", encoding="utf-8")
    code, from_plain, err = run("text", "--ezafe", "off", str(plain))
    assert code == 0, err
    code, from_page, err = run("text", "--ezafe", "off", str(PAGE))
    assert code == 0, err
    assert from_page == from_plain  # exactly the headline and the four paragraphs
    assert len(from_page.strip().split("\n\n")) == 5
    for word in CHROME:
        assert word not in from_page, word


def test_html_content_is_recognized_whatever_the_file_is_called(tmp_path: Path) -> None:
    saved = tmp_path / "saved-page.txt"
    shutil.copy(PAGE, saved)
    assert run("text", "--ezafe", "off", str(saved))[1] == run("text", "--ezafe", "off", str(PAGE))[1]
    source = read_source(saved, max_bytes(None))
    assert source.html and source.title == HEADLINE


def test_page_narrated_into_its_own_folder(tmp_path: Path) -> None:
    folder = tmp_path / "coll"
    folder.mkdir()
    page = folder / "news.html"
    shutil.copy(PAGE, page)
    code, out, err = run("narrate", str(page), "-o", str(folder), "--no-cache")
    assert code == 0, err
    mp3 = folder / "news.mp3"
    assert out.splitlines()[0] == str(mp3)
    assert page.read_bytes() == PAGE.read_bytes()  # the input is untouched
    tags = ID3(mp3)
    assert len(tags.getall("CHAP")) == 5  # the headline, then one chapter per article paragraph
    assert str(tags["TIT2"]) == HEADLINE
    assert str(tags["TEXT"]) == "مریم احمدی" and str(tags["TPUB"]) == "خبرگزاری پترون"
    assert str(ID3(mp3, translate=False)["TORY"]) == "2024"  # ID3v2.3 keeps the year of the date
    assert tags.getall("COMM")[0].text == ["news.html"]
    data = manifest(mp3)
    assert data["title"] == HEADLINE
    paragraphs = data["paragraphs"]
    assert isinstance(paragraphs, list) and len(paragraphs) == 5
    assert paragraphs[0]["text"] == "تکمیل ۱۶۰۰ واحد تولیدی در خوزستان"
    narrated = read_source(page, max_bytes(None)).text
    assert data["source"] == {
        "name": "news.html",
        "sha256": hashlib.sha256(narrated.encode("utf-8")).hexdigest(),  # of the text narrated
        "url": None,
        "published": "2024-05-01",
        "author": "مریم احمدی",
        "site": "خبرگزاری پترون",
    }


def test_url_and_file_narrated_together(tmp_path: Path) -> None:
    html = {"Content-Type": "text/html; charset=utf-8"}
    with StandinServer(always(Reply(200, PAGE.read_bytes(), html))) as server:
        url = f"{server.url}/news/1600-units.html?src=rss"
        code, out, err = run("narrate", url, str(PAGE), "-j", "2", "-o", str(tmp_path), "--no-cache", "-q")
    assert code == 0, err
    from_url, from_file = tmp_path / "1600-units.mp3", tmp_path / "news_page.mp3"
    assert {str(from_url), str(from_file)} <= set(out.splitlines())
    source = manifest(from_url)["source"]
    assert isinstance(source, dict)
    assert source["url"] == url and source["name"] == url
    assert source["author"] == "مریم احمدی"
    assert ID3(from_url).getall("COMM")[0].text == [url]
    assert len(ID3(from_url).getall("CHAP")) == 5
    # the same article: the same text narrated, the same checksum, whichever way it came
    assert source["sha256"] == manifest(from_file)["source"]["sha256"]  # type: ignore[index]


# --- standard input, FIFOs, process substitution -----------------------------------------------


def short_article(seed: Path) -> bytes:
    return ("\n".join(article_paragraphs(seed)[:2]) + "\n").encode("utf-8")


def test_narrate_reads_standard_input(tmp_path: Path, seed: Path) -> None:
    data = short_article(seed)
    code, out, err = run("narrate", "-", "-o", str(tmp_path), "--no-cache", stdin=byte_stdin(data))
    assert code == 0, err
    mp3 = tmp_path / "stdin.mp3"
    assert out.splitlines()[0] == str(mp3)
    assert manifest(mp3)["source"] == {
        "name": "standard input", "sha256": hashlib.sha256(data).hexdigest(),
        "url": None, "published": None, "author": None, "site": None,
    }
    assert len(ID3(mp3).getall("CHAP")) == 2


def _write_later(path: str, data: bytes) -> threading.Thread:
    def write() -> None:
        with open(path, "wb") as stream:
            stream.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_fifo_is_read_once_and_its_checksum_is_of_what_was_narrated(tmp_path: Path, seed: Path) -> None:
    fifo = tmp_path / "article.txt"
    os.mkfifo(fifo)
    data = short_article(seed)
    writer = _write_later(str(fifo), data)
    code, out, err = run("narrate", str(fifo), "-o", str(tmp_path / "out"), "--no-cache")
    writer.join(5)
    assert out.splitlines()[0] == str(tmp_path / "out" / "article.mp3")
    assert code == 0, err
    mp3 = tmp_path / "out" / "article.mp3"
    assert manifest(mp3)["source"]["sha256"] == hashlib.sha256(data).hexdigest()  # type: ignore[index]


def test_process_substitution(seed: Path) -> None:
    """``narrator text <(cat article.txt)``: a /dev/fd/N pipe, read once."""
    read_end, write_end = os.pipe()

    def write() -> None:  # like the shell: the other end of the pipe is only the writer's
        with os.fdopen(write_end, "wb") as stream:
            stream.write(short_article(seed))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        source = read_source(f"/dev/fd/{read_end}", max_bytes(None))
    finally:
        os.close(read_end)
    writer.join(5)
    assert source.sha256 == hashlib.sha256(short_article(seed)).hexdigest()
    assert source.text == short_article(seed).decode("utf-8")


# --- what is refused ---------------------------------------------------------------------------


def narrator_process(*argv: str, stdin: int | None = None) -> tuple[int, str, float, int]:
    """Run narrator in a process: exit code, stderr, seconds taken and peak memory (KiB)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        code, peak, _ = run_measured(
            [sys.executable, "-m", "narrator", *argv], stdin=stdin, stderr=err, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60,
        )
        err.seek(0)
        return code, err.read().decode(), time.monotonic() - started, peak


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_at_once(device: str, tmp_path: Path) -> None:
    code, err, seconds, peak = narrator_process("narrate", device, "-o", str(tmp_path / "out"))
    one_line_error(code, err, device, "is a device")
    assert seconds < 10 and peak < 500 * 1024
    with open(device, "rb") as stream:
        code, err, seconds, peak = narrator_process("text", "-", stdin=stream.fileno())
    one_line_error(code, err, "standard input: is a device")
    assert seconds < 10 and peak < 500 * 1024
    assert not (tmp_path / "out").exists()


def test_endless_standard_input_stops_at_the_cap() -> None:
    endless = subprocess.Popen(["yes", "خبر فوری از خوزستان"], stdout=subprocess.PIPE)
    try:
        assert endless.stdout is not None
        code, err, seconds, peak = narrator_process("text", "-", stdin=endless.stdout.fileno())
    finally:
        endless.kill()
        endless.wait()
    one_line_error(code, err, "standard input", "5 MiB input limit", "--max-input-mb")
    assert seconds < 10 and peak < 500 * 1024


def test_a_50_mib_article_is_refused_by_default(tmp_path: Path, seed: Path) -> None:
    big = tmp_path / "huge.txt"
    paragraph = seed.read_bytes()
    with big.open("wb") as stream:
        while stream.tell() < 50 * 1024 * 1024:
            stream.write(paragraph)
    code, _, err = run("narrate", str(big), "-o", str(tmp_path / "out"))
    one_line_error(code, err, "huge.txt", "larger than the 5 MiB input limit", "--max-input-mb")
    assert not (tmp_path / "out").exists()
    code, _, err = run("text", "-", stdin=byte_stdin(big.read_bytes()))  # the same, streamed
    one_line_error(code, err, "standard input", "--max-input-mb")


def test_the_limit_can_be_lowered_and_raised(seed: Path) -> None:
    size_kib = seed.stat().st_size / 1024
    code, _, err = run("text", "--max-input-mb", f"{size_kib / 2 / 1024:.6f}", str(seed))
    one_line_error(code, err, "input limit")
    code, out, err = run("text", "--ezafe", "off", "--max-input-mb", f"{size_kib * 2 / 1024:.6f}", str(seed))
    assert code == 0 and out, err
    code, _, err = run("text", "--max-input-mb", "0", str(seed))
    assert code == 2 and "--max-input-mb: must be more than 0" in err


def test_symbolic_link_loop_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    for argv in (["text"], ["narrate", "-o", str(tmp_path / "out")]):
        code, _, err = run(*argv, str(tmp_path / "a.txt"))
        one_line_error(code, err, "a loop of symbolic links")


def test_missing_file_and_folder_are_one_line(tmp_path: Path) -> None:
    one_line_error(*run("text", str(tmp_path / "gone.html"))[::2], "no such file")
    one_line_error(*run("text", str(tmp_path))[::2], "is a directory")


# --- planning: which files a folder gives, and where URL and stdin narrations go ---------------


def test_a_folder_gives_its_text_and_html_articles_but_not_narrator_pages(tmp_path: Path) -> None:
    for name in ("a.txt", "b.html", "c.HTM", "a.page.html", "index.html", "notes.md", "a.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub.html").mkdir()
    assert expand_inputs([tmp_path]) == [tmp_path / "a.txt", tmp_path / "b.html", tmp_path / "c.HTM"]


def _source(kind: str, origin: str) -> Source:
    return Source(text="متن", kind=kind, origin=origin, sha256="0" * 64)  # type: ignore[arg-type]


def test_output_names_of_urls_and_standard_input(tmp_path: Path) -> None:
    inputs = [
        _source("url", "https://news.example/politics/1403/%D8%AE%D8%A8%D8%B1-%D9%81%D9%88%D8%B1%DB%8C.html"),
        _source("url", "http://127.0.0.1:8080/"),
        _source("url", "https://news.example/a/b/../x y?.php"),
        _source("stdin", "-"),
    ]
    jobs = plan(inputs, tmp_path, tmp_path / "unused")
    assert [j.target.name for j in jobs] == ["خبر-فوری.mp3", "127.0.0.1.mp3", "x-y.mp3", "stdin.mp3"]
    assert plan([_source("stdin", "-")], tmp_path / "mine.mp3", tmp_path)[0].target == tmp_path / "mine.mp3"


def test_url_stem_is_safe() -> None:
    assert url_stem("https://x.example/%2e%2e%2f%2e%2e%2fetc%2fpasswd") == "passwd"
    assert url_stem("https://x.example/..") == "x.example"
    assert url_stem("https://x.example/a%2Fb") == "b"
    assert len(url_stem("https://x.example/" + "a" * 500)) == 80


# --- the text zone's HTML step -----------------------------------------------------------------


def test_headline_is_not_repeated_when_the_page_already_starts_with_it() -> None:
    body = ("پاراگراف نخست خبر",)
    assert PageArticle("تیتر خبر", ("تیتر خبر", *body)).text == "تیتر خبر\nپاراگراف نخست خبر\n"
    assert PageArticle("تیتر خبر | سایت", ("تیتر خبر", *body)).text == "تیتر خبر\nپاراگراف نخست خبر\n"
    assert PageArticle("تیتر خبر", body).text == "تیتر خبر\nپاراگراف نخست خبر\n"
    assert PageArticle(None, body).text == "پاراگراف نخست خبر\n"


def test_html_is_recognized_by_its_content() -> None:
    assert looks_like_html(b"\xef\xbb\xbf  <!-- saved -->\n<!doctype html><html>")
    assert looks_like_html(b"<div><p>a</p><p>b</p></div>")
    assert not looks_like_html("خبر < و > نشانه‌ها".encode())
    assert meta_charset(b'<meta charset="Windows-1256">') == "windows-1256"
    text = "سلام"
    assert decode_html(text.encode("cp1256"), "windows-1256", "x") == text
    assert decode_html(text.encode("cp1256"), None, "x") == text  # not UTF-8: the legacy Persian codec
    assert decode_html(text.encode("utf-8"), "no-such-charset", "x") == text

"""Fetching web pages: every way a fetch fails is one line and a non-zero exit; charsets, redirects
and the size cap (enforced while the body streams in). Only stand-in servers on 127.0.0.1."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import narrator.fetch
from narrator.cli import main
from narrator.fetch import FetchError, FetchLimits, fetch
from narrator.sources import read_source
from tests.standin import Received, Reply, StandinServer, always

PAGE = Path(__file__).parent / "inputs" / "news_page.html"
HTML = {"Content-Type": "text/html; charset=utf-8"}
ARTICLE_LINE = "هوشنگ صفایی اظهار داشت"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


def assert_one_line_failure(code: int, err: str, *words: str) -> None:
    assert code != 0
    assert err.count("\n") == 1 and err.startswith("narrator: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


def test_page_over_http_is_extracted() -> None:
    with StandinServer(always(Reply(200, PAGE.read_bytes(), HTML))) as server:
        code, out, err = run("text", "--ezafe", "off", f"{server.url}/news/1600-units")
    assert code == 0, err
    assert ARTICLE_LINE in out and "اخبار مرتبط" not in out and "dataLayer" not in out


def test_redirects_are_followed_and_the_final_address_kept() -> None:
    def respond(request: Received) -> Reply:
        if request.path == "/short":
            return Reply(301, headers={"Location": "/news/full"})
        return Reply(200, PAGE.read_bytes(), HTML)

    with StandinServer(respond) as server:
        page = fetch(f"{server.url}/short", FetchLimits(max_bytes=1 << 20))
        assert page.url == f"{server.url}/news/full"
        assert [r.path for r in server.requests] == ["/short", "/news/full"]
        source = read_source(f"{server.url}/short", 1 << 20)
    assert source.url == f"{server.url}/news/full" and source.label == f"{server.url}/short"
    assert source.title == "تکمیل ۱۶۰۰ واحد تولیدی در خوزستان" and source.html


def test_charset_from_the_header_and_from_meta() -> None:
    legacy_letters = str.maketrans("ی۰۱۲۳۴۵۶۷۸۹", "ي0123456789")  # what Windows-1256 can hold
    html = PAGE.read_text(encoding="utf-8").replace('<meta charset="utf-8">', "").translate(legacy_letters)
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
    legacy = html.replace("<head>", "<head>" + meta)
    replies = {
        "/header": Reply(200, html.encode("cp1256"), {"Content-Type": "text/html; charset=windows-1256"}),
        "/meta": Reply(200, legacy.encode("cp1256"), {"Content-Type": "text/html"}),
    }
    with StandinServer(lambda request: replies[request.path]) as server:
        for path in replies:
            code, out, err = run("text", "--ezafe", "off", server.url + path)
            assert code == 0, err
            assert ARTICLE_LINE in out, path


def test_plain_text_and_untyped_pages(seed: Path) -> None:
    replies = {
        "/plain": Reply(200, seed.read_bytes(), {"Content-Type": "text/plain; charset=utf-8"}),
        "/untyped": Reply(200, PAGE.read_bytes()),
    }
    with StandinServer(lambda request: replies[request.path]) as server:
        code, plain, err = run("text", "--ezafe", "off", f"{server.url}/plain")
        assert code == 0 and plain == run("text", "--ezafe", "off", str(seed))[1], err
        code, page, err = run("text", "--ezafe", "off", f"{server.url}/untyped")
        assert code == 0 and page == run("text", "--ezafe", "off", str(PAGE))[1], err


def test_connection_refused(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, _, err = run("narrate", f"http://127.0.0.1:{port}/a", "-o", str(tmp_path / "out"))
    assert_one_line_failure(code, err, "refused", f"127.0.0.1:{port}/a")
    assert not (tmp_path / "out").exists()


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    code, _, err = run("text", "http://news.example/a")
    assert_one_line_failure(code, err, "DNS", "news.example")


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(404, b"not here", HTML), ("404",)),
        (Reply(503, b"busy", HTML), ("503",)),
        (Reply(200, b"\x89PNG\r\n\x1a\n" + bytes(100), {"Content-Type": "image/png"}), ("image/png",)),
        (Reply(200, "<html><head><script>var a=1;</script></head><body><nav><a href='/'>خانه</a></nav>"
                    "</body></html>".encode(), HTML), ("no article text",)),
        (Reply(200, b"", HTML), ("empty",)),
    ],
    ids=["404", "503", "not-html", "no-article", "empty"],
)
def test_failures_are_one_line(reply: Reply, words: tuple[str, ...], tmp_path: Path) -> None:
    with StandinServer(always(reply)) as server:
        for command in (["text"], ["narrate", "-o", str(tmp_path / "out")]):
            code, out, err = run(*command, f"{server.url}/page")
            assert_one_line_failure(code, err, f"{server.url}/page", *words)
            assert out == ""
    assert not (tmp_path / "out").exists()


def test_redirect_loop() -> None:
    with StandinServer(always(Reply(302, headers={"Location": "/loop"}))) as server:
        code, _, err = run("text", f"{server.url}/loop")
        assert_one_line_failure(code, err, "redirects")
        assert len(server.requests) == narrator.fetch.MAX_REDIRECTS + 1


def test_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(narrator.fetch, "TIMEOUT_S", 0.5)
    with StandinServer(always(Reply(200, PAGE.read_bytes(), HTML, delay=30))) as server:
        started = time.monotonic()
        code, _, err = run("text", f"{server.url}/slow")
        assert time.monotonic() - started < 5
    assert_one_line_failure(code, err, "timed out")


def test_too_large_by_content_length() -> None:
    body = PAGE.read_bytes() * 200  # about 1.4 MB
    with StandinServer(always(Reply(200, body, HTML))) as server:
        code, _, err = run("text", "--max-input-mb", "1", f"{server.url}/big")
        assert_one_line_failure(code, err, "--max-input-mb", "1.0 MiB")
        code, out, err = run("text", "--ezafe", "off", "--max-input-mb", "2", f"{server.url}/big")
        assert code == 0 and ARTICLE_LINE in out, err


@pytest.fixture
def endless_server() -> Iterator[tuple[str, list[int]]]:
    """A server that streams an HTML page forever, chunked, without a Content-Length."""
    listener = socket.create_server(("127.0.0.1", 0))
    sent = [0]
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
                )
                chunk = b"<p>" + "خبر ".encode() * 2000 + b"</p>\n"
                try:
                    while not stop.is_set():
                        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        sent[0] += len(chunk)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/endless", sent
    stop.set()
    thread.join(5)
    listener.close()


def test_too_large_while_streaming(endless_server: tuple[str, list[int]]) -> None:
    url, sent = endless_server
    code, _, err = run("text", "--max-input-mb", "0.5", url)
    assert_one_line_failure(code, err, "larger than", "--max-input-mb")
    assert sent[0] < 64 * 1024 * 1024  # refused while streaming, not after reading everything


def test_fetch_refuses_other_schemes() -> None:
    with pytest.raises(FetchError, match="not an http"):
        fetch("ftp://example.com/a", FetchLimits(max_bytes=100))


@pytest.mark.parametrize("address", ["ftp://127.0.0.1/news.html", "file:///etc/hostname"])
def test_an_address_that_cannot_be_fetched_is_one_line(tmp_path: Path, address: str) -> None:
    for argv in (["narrate", address, "-o", str(tmp_path / "out")], ["text", address]):
        err = io.StringIO()
        assert main(argv, stdout=io.StringIO(), stderr=err) == 1
        reason = "only http:// and https:// addresses can be fetched"
        assert err.getvalue() == f"narrator: error: {address}: {reason}\n"
    assert not (tmp_path / "out").exists()

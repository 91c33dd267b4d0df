"""The local server: byte ranges, confinement to its folder, MIME types, HEAD, and the command."""

from __future__ import annotations

import http.client
import io
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrator.cli import main
from narrator.errors import InputError, OutputError
from narrator.serve import (
    ByteRange,
    NarrationServer,
    Unsatisfiable,
    make_server,
    parse_range,
    running,
)

AUDIO = bytes(range(256)) * 40  # 10240 distinct-enough bytes
SECRET = b"outside the served folder"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("serve")
    (base / "secret.txt").write_bytes(SECRET)
    root = base / "site"
    root.mkdir()
    (root / "a.mp3").write_bytes(AUDIO)
    (root / "a.vtt").write_text("WEBVTT\n", encoding="utf-8")
    (root / "a.srt").write_text("1\n", encoding="utf-8")
    (root / "a.json").write_text("{}", encoding="utf-8")
    (root / "a.chapters.json").write_text("{}", encoding="utf-8")
    (root / "a.html").write_text("<p>صفحه</p>", encoding="utf-8")
    (root / "index.html").write_text("<p>فهرست</p>", encoding="utf-8")
    (root / "خبر یک.mp3").write_bytes(b"persian name")
    (root / ".hidden.mp3").write_bytes(SECRET)
    (root / "sub").mkdir()
    (root / "sub" / "b.txt").write_bytes(b"inside")
    (root / "empty.mp3").write_bytes(b"")
    (root / "out.txt").symlink_to(base / "secret.txt")
    (root / "outdir").symlink_to(base)
    (root / "in.mp3").symlink_to(root / "a.mp3")
    return root


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[NarrationServer]:
    with running(make_server(site, 0)) as srv:
        yield srv


def request(
    server: NarrationServer, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Send ``path`` exactly as given (no client-side normalization) and read the answer."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        has_host = "Host" in (headers or {})
        conn.putrequest(method, path, skip_host=has_host, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def test_binds_loopback_only_and_picks_a_free_port(server: NarrationServer) -> None:
    host, port = server.server_address[:2]
    assert host == "127.0.0.1" and port > 0
    assert server.url == f"http://127.0.0.1:{port}/"


def test_whole_file(server: NarrationServer) -> None:
    status, headers, body = request(server, "/a.mp3")
    assert status == 200 and body == AUDIO
    assert headers["content-type"] == "audio/mpeg"
    assert headers["content-length"] == str(len(AUDIO))
    assert headers["accept-ranges"] == "bytes"
    assert "content-range" not in headers


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-100", 100, 100),
        ("bytes=10000-", 10000, len(AUDIO) - 1),
        ("bytes=-240", len(AUDIO) - 240, len(AUDIO) - 1),
        ("bytes=10200-99999", 10200, len(AUDIO) - 1),
        ("bytes=-999999", 0, len(AUDIO) - 1),
    ],
)
def test_single_ranges(server: NarrationServer, header: str, first: int, last: int) -> None:
    status, headers, body = request(server, "/a.mp3", headers={"Range": header})
    assert status == 206
    assert body == AUDIO[first : last + 1]
    assert headers["content-range"] == f"bytes {first}-{last}/{len(AUDIO)}"
    assert headers["content-length"] == str(last - first + 1)
    assert headers["content-type"] == "audio/mpeg"


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_unsatisfiable_ranges(server: NarrationServer, header: str) -> None:
    status, headers, _ = request(server, "/a.mp3", headers={"Range": header})
    assert status == 416
    assert headers["content-range"] == f"bytes */{len(AUDIO)}"


def test_any_range_of_an_empty_file_is_unsatisfiable(server: NarrationServer) -> None:
    status, headers, _ = request(server, "/empty.mp3", headers={"Range": "bytes=0-"})
    assert status == 416 and headers["content-range"] == "bytes */0"
    assert request(server, "/empty.mp3")[0] == 200


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-3", "bytes=-", "bytes=a-b"])
def test_ranges_we_ignore_send_the_whole_file(server: NarrationServer, header: str) -> None:
    status, headers, body = request(server, "/a.mp3", headers={"Range": header})
    assert status == 200 and body == AUDIO and "content-range" not in headers


def test_head_sends_headers_only(server: NarrationServer) -> None:
    status, headers, body = request(server, "/a.mp3", method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len(AUDIO)) and headers["content-type"] == "audio/mpeg"
    status, headers, body = request(server, "/a.mp3", method="HEAD", headers={"Range": "bytes=0-9"})
    assert status == 206 and body == b"" and headers["content-range"] == f"bytes 0-9/{len(AUDIO)}"


@pytest.mark.parametrize(
    ("path", "mime"),
    [
        ("/a.mp3", "audio/mpeg"),
        ("/a.vtt", "text/vtt; charset=utf-8"),
        ("/a.srt", "application/x-subrip; charset=utf-8"),
        ("/a.json", "application/json"),
        ("/a.chapters.json", "application/json"),
        ("/a.html", "text/html; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/sub/b.txt", "text/plain; charset=utf-8"),
    ],
)
def test_mime_types(server: NarrationServer, path: str, mime: str) -> None:
    status, headers, _ = request(server, path)
    assert status == 200 and headers["content-type"] == mime
    assert headers["x-content-type-options"] == "nosniff"


def test_folder_means_its_index_and_names_are_percent_decoded(server: NarrationServer) -> None:
    assert request(server, "/")[2].decode() == "<p>فهرست</p>"
    assert request(server, "/%D8%AE%D8%A8%D8%B1%20%DB%8C%DA%A9.mp3")[2] == b"persian name"
    assert request(server, "/a.mp3?x=1#y")[2] == AUDIO
    assert request(server, "/in.mp3")[2] == AUDIO  # a symlink that stays inside is fine
    assert request(server, "/sub/")[0] == 404  # no listings


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/sub%2f..%2f..%2fsecret.txt",
        "/%2fetc%2fpasswd",
        "/%2Fetc/passwd",
        "//etc/passwd",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/out.txt",
        "/outdir/secret.txt",
        "/.hidden.mp3",
        "/%2ehidden.mp3",
        "/a.mp3%00.txt",
        "/%ff%fe",
        "etc/passwd",
        "http://127.0.0.1/../secret.txt",
        "/nothing.mp3",
    ],
)
def test_nothing_outside_the_folder(server: NarrationServer, path: str) -> None:
    status, _, body = request(server, path)
    assert status in {400, 403, 404}
    assert SECRET not in body


def test_confinement_holds_for_the_absolute_path_of_a_file(server: NarrationServer, site: Path) -> None:
    secret = site.parent / "secret.txt"
    status, _, body = request(server, str(secret))
    assert status == 404 and SECRET not in body


def test_foreign_host_names_are_refused(server: NarrationServer) -> None:
    status, _, body = request(server, "/a.mp3", headers={"Host": "attacker.example"})
    assert status == 421 and body != AUDIO
    assert request(server, "/a.mp3", headers={"Host": f"localhost:{server.server_address[1]}"})[0] == 200


def test_other_methods_are_not_served(server: NarrationServer) -> None:
    assert request(server, "/a.mp3", method="POST")[0] == 501
    assert request(server, "/a.mp3", method="PUT")[0] == 501


def test_urllib_client_sees_the_same(server: NarrationServer) -> None:
    req = urllib.request.Request(server.url + "a.mp3", headers={"Range": "bytes=5-9"})
    with urllib.request.urlopen(req, timeout=10) as response:
        assert response.status == 206 and response.read() == AUDIO[5:10]


@given(size=st.integers(1, 10_000), first=st.integers(0, 20_000), last=st.integers(0, 20_000))
def test_parse_range_bounds(size: int, first: int, last: int) -> None:
    try:
        wanted = parse_range(f"bytes={first}-{last}", size)
    except Unsatisfiable:
        assert first >= size
        return
    if last < first:
        assert wanted is None
        return
    assert wanted == ByteRange(first, min(last, size - 1), size)
    assert 0 < wanted.length <= size


def test_make_server_refuses_bad_folders_and_ports(tmp_path: Path, server: NarrationServer) -> None:
    with pytest.raises(InputError, match="no such folder"):
        make_server(tmp_path / "missing")
    with pytest.raises(InputError, match="port"):
        make_server(tmp_path, 70000)
    with pytest.raises(OutputError, match="cannot listen"):
        make_server(tmp_path, server.server_address[1])


def test_cli_serve_missing_folder(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["serve", str(tmp_path / "missing"), "--port", "0"], stdout=io.StringIO(), stderr=err) == 1
    assert "no such folder" in err.getvalue()


def test_cli_serve_prints_its_address_and_serves(site: Path) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "narrator", "serve", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"Serving {site} at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(url + "a.mp3", timeout=10) as response:
            assert response.read() == AUDIO
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_huge_range_value_is_416_not_a_crash(server: NarrationServer) -> None:
    for header in ("bytes=" + "9" * 5000 + "-", "bytes=0-" + "9" * 5000, "bytes=-" + "1" * 5000):
        status, headers, _ = request(server, "/a.mp3", headers={"Range": header})
        assert status == 416, header[:20]
        assert headers["content-range"] == f"bytes */{len(AUDIO)}"
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=" + "1" * 19 + "-", 10)
    assert parse_range("bytes=0-" + "9" * 18, 10) == ByteRange(0, 9, 10)


def test_the_backlog_is_real(server: NarrationServer) -> None:
    assert server.request_queue_size >= 128


def test_200_concurrent_requests_all_succeed(server: NarrationServer) -> None:
    start = threading.Barrier(200)

    def fetch(index: int) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
        try:
            start.wait(timeout=30)
            conn.request("GET", "/a.mp3" if index % 2 else "/index.html")
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(fetch, range(200)))
    assert [status for status, _ in results] == [200] * 200
    assert all(body == (AUDIO if i % 2 else "<p>فهرست</p>".encode()) for i, (_, body) in enumerate(results))
    assert time.monotonic() - began < 60


def test_a_silent_connection_is_closed_after_the_idle_timeout(site: Path) -> None:
    log = io.StringIO()
    with running(make_server(site, 0, log=log, idle_timeout=0.5)) as srv:
        with socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=10) as silent:
            began = time.monotonic()
            assert silent.recv(1024) == b""  # the server hung up on us
            waited = time.monotonic() - began
        assert 0.3 < waited < 5
        # a half-sent request is dropped the same way
        with socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=10) as slow:
            slow.sendall(b"GET /a.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            assert slow.recv(1024) == b""
        status, _, body = request(srv, "/a.mp3")  # and the server still answers others
        assert (status, body) == (200, AUDIO)
    assert "Traceback" not in log.getvalue()


def test_a_client_that_hangs_up_mid_answer_is_one_log_line(tmp_path: Path) -> None:
    (tmp_path / "big.mp3").write_bytes(b"\0" * (8 * 1024 * 1024))
    log = io.StringIO()
    stderr = io.StringIO()
    old_stderr, sys.stderr = sys.stderr, stderr
    try:
        with running(make_server(tmp_path, 0, log=log)) as srv:
            for _ in range(3):
                with socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=10) as quitter:
                    quitter.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    quitter.sendall(b"GET /big.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    quitter.recv(100)
            deadline = time.monotonic() + 10
            while log.getvalue().count("client went away") < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        sys.stderr = old_stderr
    lines = log.getvalue().splitlines()
    assert sum("client went away" in line for line in lines) == 3, lines
    assert "Traceback" not in log.getvalue() + stderr.getvalue()

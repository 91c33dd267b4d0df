"""A stand-in Piper voice mirror on 127.0.0.1: ``voices.json`` and voice files, with HTTP Range.

It serves a dict of paths to bytes under a prefix, answers ``Range: bytes=N-`` with 206 and a
``Content-Range`` (or, with ``ranges=False``, ignores Range and sends the whole file), can send
every file through a redirect (as Hugging Face does, to its content store), and can break off the
first transfer of chosen files halfway (headers promise the whole file, half is sent, the
connection is closed). Every request is recorded with its Range header.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from tests.piper_model import build_config, build_model

REDIRECT_TO = "/cdn"


@dataclass(frozen=True)
class Seen:
    path: str
    range: str | None


def voice_bytes(padding: int = 300_000) -> tuple[bytes, bytes]:
    """A tiny Piper-compatible voice (model, configuration) as bytes; ``padding`` bytes of
    doc string make the model span many read chunks, so a transfer can break off mid-file."""
    model = build_model()
    model.doc_string = "narrator test voice " + "x" * padding
    config = json.dumps(build_config(), ensure_ascii=False, indent=1).encode("utf-8")
    return model.SerializeToString(), config


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def catalog_entry(key: str, model: bytes, config: bytes, lie_md5: str | None = None) -> dict[str, object]:
    """A ``voices.json`` entry shaped like the real ones (copied from rhasspy/piper-voices)."""
    code, name, quality = key.split("-")
    family, region = code.split("_")
    folder = f"{family}/{code}/{name}/{quality}"
    card = b"# Model card for " + key.encode()
    return {
        "key": key,
        "name": name,
        "language": {
            "code": code,
            "family": family,
            "region": region,
            "name_native": "فارسی" if family == "fa" else "English",
            "name_english": "Farsi" if family == "fa" else "English",
            "country_english": "Iran" if family == "fa" else "United States",
        },
        "quality": quality,
        "num_speakers": 1,
        "speaker_id_map": {},
        "files": {
            f"{folder}/{key}.onnx": {"size_bytes": len(model), "md5_digest": lie_md5 or md5(model)},
            f"{folder}/{key}.onnx.json": {"size_bytes": len(config), "md5_digest": md5(config)},
            f"{folder}/MODEL_CARD": {"size_bytes": len(card), "md5_digest": md5(card)},
        },
        "aliases": [],
    }


def mirror_files(
    entries: dict[str, tuple[bytes, bytes]], lies: dict[str, str] | None = None
) -> dict[str, bytes]:
    """``voices.json`` and every voice's files, by path, for voices ``key -> (model, config)``."""
    lies = lies or {}
    catalog = {k: catalog_entry(k, m, c, lies.get(k)) for k, (m, c) in entries.items()}
    files: dict[str, bytes] = {"voices.json": json.dumps(catalog, ensure_ascii=False, indent=4).encode()}
    for key, entry in catalog.items():
        model, config = entries[key]
        files_entry = entry["files"]
        assert isinstance(files_entry, dict)
        for path in files_entry:
            files[path] = model if path.endswith(".onnx") else config if path.endswith(".json") else b"card"
    return files


class VoiceMirror:
    """The mirror, serving ``files`` at ``url`` (``http://127.0.0.1:PORT{prefix}``)."""

    def __init__(self, files: dict[str, bytes], prefix: str = "", redirect: bool = False,
                 break_first: frozenset[str] = frozenset(), ranges: bool = True) -> None:
        self.files, self.prefix, self.redirect, self.ranges = files, prefix, redirect, ranges
        self.break_first = set(break_first)
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{self.prefix}"

    def __enter__(self) -> VoiceMirror:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def file_requests(self, suffix: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.endswith(suffix)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with mirror._lock:
                    mirror.seen.append(Seen(self.path, self.headers.get("Range")))
                path = self.path.split("?", 1)[0]
                cdn = path.startswith(REDIRECT_TO + mirror.prefix + "/")
                relative = path.removeprefix(REDIRECT_TO).removeprefix(mirror.prefix + "/")
                body = mirror.files.get(relative)
                if body is None or not (cdn or path.startswith(mirror.prefix + "/")):
                    return self._send(404, b"not found", {})
                if mirror.redirect and not cdn and relative != "voices.json":
                    return self._send(302, b"", {"Location": REDIRECT_TO + path})
                asked = (self.headers.get("Range") or "") if mirror.ranges else ""
                ranged = re.fullmatch(r"bytes=(\d+)-", asked)
                start = int(ranged.group(1)) if ranged else 0
                if start >= len(body) and ranged:
                    return self._send(416, b"", {"Content-Range": f"bytes */{len(body)}"})
                headers = {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"} if ranged else {}
                part = body[start:]
                if relative in mirror.break_first:
                    mirror.break_first.discard(relative)
                    return self._break(206 if ranged else 200, part, headers)
                self._send(206 if ranged else 200, part, headers)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _break(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                """Promise ``body`` whole, send half of it, then drop the connection."""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        return Handler


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def listing(folder: Path) -> list[str]:
    """Every file in ``folder``, hidden ones too."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

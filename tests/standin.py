"""A stand-in HTTP server on 127.0.0.1 for testing network engines without the network.

The server runs in a thread on a free port, records every request it receives, and answers each
one with what a *responder* returns for it::

    with StandinServer(lambda request: Reply(200, body=b"hello")) as server:
        ...  # point the engine at server.url
    assert [r.path for r in server.requests] == ["/..."]

A :class:`Reply` may ask the server to stall before answering (``delay``), which stands in for a
service that does not answer in time; stalls end early when the server closes, so tests stay fast.
:func:`in_turn` plays a script of responders, one per request, repeating the last.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Received:
    """One request the server received."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    """What to answer: status, headers, body, after ``delay`` seconds of silence."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Callable[[Received], Reply]


def in_turn(*responders: Responder) -> Responder:
    """A responder that answers the n-th request with the n-th responder, then the last forever."""
    if not responders:
        raise ValueError("in_turn needs at least one responder")
    lock = threading.Lock()
    count = 0

    def respond(request: Received) -> Reply:
        nonlocal count
        with lock:
            index = min(count, len(responders) - 1)
            count += 1
        return responders[index](request)

    return respond


def always(reply: Reply) -> Responder:
    """A responder that gives the same reply to every request."""
    return lambda _request: reply


class _Server(ThreadingHTTPServer):
    """Handler threads never keep the test waiting when the server closes."""

    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (narrator, once it has its answer) is normal, not an error: its
        traceback must not reach stderr, which a test may be reading as narrator's own output."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class StandinServer:
    """A threaded HTTP server on 127.0.0.1 (port chosen by the system) for one test."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="standin", daemon=True
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the base address to give an engine."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[Received]:
        """Every request received so far, in arrival order."""
        with self._lock:
            return list(self._received)

    def start(self) -> StandinServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _record(self, request: Received) -> Reply:
        with self._lock:
            self._received.append(request)
        return self.responder(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # an idle keep-alive connection is dropped after this many seconds

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                reply = server._record(received)
                if reply.delay > 0 and server._closing.wait(reply.delay):
                    self.close_connection = True
                    return
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

        return Handler

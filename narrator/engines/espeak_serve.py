"""The espeak-ng template process's side of :mod:`narrator.engines.espeak_fresh`: its requests, its
pipe framing, and the loop that answers each request from a freshly forked child.

Kept apart from the pool so that a template starts on little: it runs under ``python -S`` (no site
machinery), is told where libespeak-ng and its data are, and imports only this module, ``json``
and :mod:`narrator.espeak_lib` (ctypes): about 40 ms of CPU a template, against about 75 ms for
the pool's module with its threads, subprocesses and site-packages.
"""

from __future__ import annotations

import json
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

OK, FAILED = b"\x00", b"\x01"
#: No sentence's answer comes near this (an hour of samples is 160 MB): a larger size is not one.
MAX_ANSWER_BYTES = 1 << 32


class Request(tuple[str, "int | None", "int | None", str]):
    """One sentence to speak with one voice: ``(voice, rate, pitch, text)``."""

    __slots__ = ()

    def __new__(cls, voice: str, rate: int | None, pitch: int | None, text: str) -> Request:
        return super().__new__(cls, (voice, rate, pitch, text))

    @property
    def voice(self) -> str:
        return self[0]

    @property
    def rate(self) -> int | None:
        return self[1]

    @property
    def pitch(self) -> int | None:
        return self[2]

    @property
    def text(self) -> str:
        return self[3]

    def voice_only(self) -> Request:
        """The voice of the request, without its text (what a template is started with)."""
        return Request(self.voice, self.rate, self.pitch, "")

    def to_bytes(self) -> bytes:
        return json.dumps(list(self)).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Request:
        voice, rate, pitch, text = json.loads(data)
        return cls(str(voice), rate, pitch, str(text))


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One length-prefixed message, or ``None`` at the end of the stream."""
    header = stream.read(8)
    if len(header) < 8:
        return None
    size = int.from_bytes(header, "little")
    data = stream.read(size)
    return data if len(data) == size else None


def write_frame(stream: IO[bytes], data: bytes, tail: bytes | bytearray = b"") -> None:
    """One length-prefixed message: ``data`` then ``tail``, the tail written from where it lies
    (a sentence's samples are not copied into the message)."""
    stream.write((len(data) + len(tail)).to_bytes(8, "little") + data)
    if tail:
        stream.write(tail)
    stream.flush()


def read_answer(stream: IO[bytes]) -> tuple[bytes, bytes, bytes] | None:
    """A child's answer as :func:`serve` writes it: its status (``OK`` or ``FAILED``), then for
    ``OK`` the word events as JSON and the samples, read each into a buffer of its own (no copy of
    the samples is made); for ``FAILED``, the message and no samples. ``None`` at the end of the
    stream, or for anything else (an answer this module did not write)."""
    header = stream.read(9)
    if len(header) < 9:
        return None
    size, status = int.from_bytes(header[:8], "little"), header[8:]
    if status not in (OK, FAILED) or size < 1 or size > MAX_ANSWER_BYTES:
        return None
    if status == FAILED:
        message = stream.read(size - 1)
        return (status, message, b"") if len(message) == size - 1 else None
    length = stream.read(8)
    timing_size = int.from_bytes(length, "little")
    if len(length) < 8 or size < 9 + timing_size:  # not an answer this module wrote
        return None
    timing = stream.read(timing_size)
    pcm = stream.read(size - 9 - timing_size)
    if len(timing) + len(pcm) != size - 9:
        return None
    return status, timing, pcm


def serve(voice: Request, library_path: str, data_path: str, requests: IO[bytes], answers: IO[bytes]) -> None:
    """The template process for ``voice``: answer each request from a freshly forked child."""
    from narrator.espeak_lib import load_from

    library = load_from(library_path, data_path)
    library.set_voice(voice.voice, voice.rate, voice.pitch)
    while (request := read_frame(requests)) is not None:
        pid = os.fork()
        if pid == 0:  # the child: pristine library state, used once
            code = 0
            try:
                pcm, events = library.synth_buffer(Request.from_bytes(request).text)
                timing = json.dumps(events).encode()
                write_frame(answers, OK + len(timing).to_bytes(8, "little") + timing, pcm)
            except BaseException as exc:
                try:  # noqa: SIM105 (contextlib is one import more for every template)
                    write_frame(answers, FAILED + str(exc).encode())
                except OSError:
                    pass
                code = 1
            finally:
                os._exit(code)
        os.waitpid(pid, 0)

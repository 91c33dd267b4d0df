"""espeak-ng synthesis from a pristine state for every sentence (same text -> same samples).

libespeak-ng keeps state across calls that no public call resets (the wave generator's pitch
flutter index is a function-local ``static``, and its wave phase carries over), so the samples of a
sentence depended on what the same process synthesized before it: a warm cache, another order
of threads or an earlier article changed the audio. ``espeak_Terminate``/``espeak_Initialize``
and ``espeak_ng_SetRandSeed`` do not reset it.

So each sentence is synthesized in a process that has never synthesized anything: a small
*template* process loads the library and sets one voice (and its rate and pitch) once, and for
every request it forks a child that synthesizes, sends the samples back and exits. The template
stays single-threaded (fork is safe there) and serves one request at a time; a pool of templates
lets several sentences be synthesized at once. A template ends when its standard input closes,
so it ends with narrator, even after ``kill -9`` (no death signal: that fires when the *thread*
that started it ends, and templates outlive the synthesis threads that start them).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import sys
import threading
from functools import lru_cache
from pathlib import Path

from narrator.cores import core
from narrator.engines.espeak_serve import OK, Request, read_answer, write_frame
from narrator.errors import EngineError


@lru_cache(maxsize=1)
def _template_arguments() -> tuple[str, str, str]:
    """Where narrator and espeakng-loader are installed (all a template imports beyond the standard
    library, so it starts without the site machinery: ``python -S``), and where the loader says
    libespeak-ng and its data are."""
    import espeakng_loader

    roots = [Path(__file__).resolve().parents[2], Path(espeakng_loader.__file__).resolve().parents[1]]
    paths = os.pathsep.join(dict.fromkeys(str(root) for root in roots))
    return paths, espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


def _start_command(voice: Request) -> list[str]:
    return [sys.executable, "-S", "-c", _START, *_template_arguments(), voice.to_bytes().decode()]


_START = (
    "import sys, os; sys.path[:0] = sys.argv[1].split(os.pathsep); "
    "from narrator.engines.espeak_serve import Request, serve; "
    "serve(Request.from_bytes(sys.argv[4].encode()), sys.argv[2], sys.argv[3], "
    "sys.stdin.buffer, sys.stdout.buffer); "
    "os._exit(0)"  # every answer is flushed: narrator waits for no interpreter teardown at its exit
)


class _Template:
    """A template process for one voice and the pipes to it."""

    def __init__(self, voice: Request) -> None:
        self.voice = voice
        self.process = subprocess.Popen(
            _start_command(voice),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )

    def speak(self, request: Request) -> tuple[bytes, bytes]:
        """The child's answer: the word events as JSON, and the samples."""
        stdin, stdout = self.process.stdin, self.process.stdout
        if stdin is None or stdout is None:
            raise EngineError("the espeak-ng helper process has no pipes")
        try:
            write_frame(stdin, request.to_bytes())
            answer = read_answer(stdout)
        except OSError as exc:
            raise EngineError("the espeak-ng helper process stopped") from exc
        if answer is None:
            raise EngineError("the espeak-ng helper process stopped")
        status, timing, pcm = answer
        if status != OK:
            raise EngineError(timing.decode("utf-8", "replace") or "espeak-ng failed to speak")
        return timing, pcm

    def release(self) -> None:
        """Close the template's input: it ends when it reads that (see :meth:`close`)."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()

    def close(self) -> None:
        self.release()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class FreshPool:
    """Template processes per voice, started as needed, at most one per core busy at a time (a
    sentence holds one of the process's core slots, :mod:`narrator.cores`, while it is spoken:
    synthesis is CPU-bound, more would only cost memory and start-up); each serves one sentence at
    a time."""

    def __init__(self) -> None:
        self._idle: dict[Request, list[_Template]] = {}
        self._all: list[_Template] = []
        self._lock = threading.Lock()

    def speak(self, request: Request) -> tuple[bytes, bytes]:
        with core():
            return self._speak(request)

    def warm(self, voice: Request, count: int) -> None:
        """Start templates for ``voice`` until there are ``count``: they load the library while the
        caller does other work (preparing the text) instead of when the first sentence waits."""
        voice = voice.voice_only()
        with self._lock:
            missing = count - sum(1 for t in self._all if t.voice == voice)
        for _ in range(missing):
            template = self._started(voice)
            with self._lock:
                self._idle.setdefault(voice, []).append(template)

    def _started(self, voice: Request) -> _Template:
        """A new template for ``voice``, counted among the pool's."""
        template = _Template(voice)
        with self._lock:
            self._all.append(template)
        return template

    def _speak(self, request: Request) -> tuple[bytes, bytes]:
        voice = request.voice_only()
        with self._lock:
            idle = self._idle.setdefault(voice, [])
            template = idle.pop() if idle else None
        if template is None:
            template = self._started(voice)
        try:
            answer = template.speak(request)
        except EngineError:
            with self._lock:
                self._all.remove(template)
            template.close()
            raise
        with self._lock:
            self._idle.setdefault(voice, []).append(template)
        return answer

    def close(self) -> None:
        with self._lock:
            templates, self._all, self._idle = self._all, [], {}
        for template in templates:  # all told first, so they end at once rather than in turn
            template.release()
        for template in templates:
            template.close()


_pool: FreshPool | None = None
_pool_lock = threading.Lock()


def close_pool() -> None:
    """End the process's templates now (else they end when the process exits)."""
    with _pool_lock:
        pool = _pool
    if pool is not None:
        pool.close()


def fresh_pool() -> FreshPool:
    """The process's pool of templates (closed when the process exits)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = FreshPool()
            atexit.register(_pool.close)
        return _pool


def fresh_synth(
    voice: str, rate: int | None, pitch: int | None, text: str
) -> tuple[bytes, list[tuple[int, int, int]]]:
    """espeak-ng's samples for ``text`` and its word events (character position, length, ms), from
    a process state that has synthesized nothing."""
    timing, pcm = fresh_pool().speak(Request(voice, rate, pitch, text))
    events = [(int(p), int(n), int(ms)) for p, n, ms in json.loads(timing)]
    return pcm, events

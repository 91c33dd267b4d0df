"""Progress of a narration run: a rich bar on a terminal, plain log lines otherwise, or nothing."""

from __future__ import annotations

from typing import Any, Protocol, TextIO


def unprefixed(name: str, error: str) -> str:
    """``error`` without the leading ``name: `` most errors start with, to print after ``name``.

    >>> unprefixed("a.txt", "a.txt: is empty"), unprefixed("a.txt", "worker failed: killed")
    ('is empty', 'worker failed: killed')
    """
    return error.removeprefix(f"{name}: ")


def failure(name: str, error: str) -> str:
    """``NAME failed: ERROR``, the name said once."""
    return f"{name} failed: {unprefixed(name, error)}"


class Reporter(Protocol):
    """Receives progress events; every method is cheap and never raises."""

    def article_read(self, name: str) -> None: ...

    def article_started(self, name: str, sentences: int) -> None: ...

    def sentence_done(self, name: str) -> None: ...

    def article_finished(self, name: str, error: str | None) -> None: ...

    def close(self) -> None: ...


class QuietReporter:
    """Reports nothing (``--quiet``)."""

    def article_read(self, name: str) -> None:
        pass

    def article_started(self, name: str, sentences: int) -> None:
        pass

    def sentence_done(self, name: str) -> None:
        pass

    def article_finished(self, name: str, error: str | None) -> None:
        pass

    def close(self) -> None:
        pass


class LogReporter:
    """One plain line per article started and finished, for logs and pipes."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.done = 0

    def article_read(self, name: str) -> None:
        pass

    def article_started(self, name: str, sentences: int) -> None:
        self.stream.write(f"narrator: narrating {name} ({sentences} sentences)\n")
        self.stream.flush()

    def sentence_done(self, name: str) -> None:
        pass

    def article_finished(self, name: str, error: str | None) -> None:
        self.done += 1
        state = f"{name} done" if error is None else failure(name, error)
        self.stream.write(f"narrator: [{self.done}/{self.total}] {state}\n")
        self.stream.flush()

    def close(self) -> None:
        pass


class RichReporter:
    """A live rich progress bar: one row for articles, one per article being narrated."""

    def __init__(self, stream: TextIO, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(file=stream), transient=False,
        )
        self._articles = self._progress.add_task("articles", total=total)
        self._rows: dict[str, Any] = {}
        self._progress.start()

    def article_read(self, name: str) -> None:
        pass

    def article_started(self, name: str, sentences: int) -> None:
        self._rows[name] = self._progress.add_task(name, total=sentences)

    def sentence_done(self, name: str) -> None:
        row = self._rows.get(name)
        if row is not None:
            self._progress.advance(row)

    def article_finished(self, name: str, error: str | None) -> None:
        row = self._rows.pop(name, None)
        if row is not None:
            self._progress.remove_task(row)
        self._progress.advance(self._articles)
        if error is not None:
            self._progress.console.print(f"narrator: {failure(name, error)}")

    def close(self) -> None:
        self._progress.stop()


def make_reporter(stream: TextIO, total: int, quiet: bool) -> Reporter:
    """The reporter for ``stream``: rich on a terminal, plain lines otherwise."""
    if quiet:
        return QuietReporter()
    if stream.isatty():
        return RichReporter(stream, total)
    return LogReporter(stream, total)


class NoteFirst:
    """A reporter that writes ``note`` (e.g. which engine speaks, that models are built now) once,
    when the first article has been read: an input refused before that gets its one error line
    and nothing else."""

    def __init__(self, inner: Reporter, note: str, stream: TextIO) -> None:
        self.inner, self.note, self.stream = inner, note, stream

    def _say(self) -> None:
        if self.note:
            self.stream.write(self.note + "\n")
            self.stream.flush()
            self.note = ""

    def article_read(self, name: str) -> None:
        self._say()
        self.inner.article_read(name)

    def article_started(self, name: str, sentences: int) -> None:
        self._say()
        self.inner.article_started(name, sentences)

    def sentence_done(self, name: str) -> None:
        self.inner.sentence_done(name)

    def article_finished(self, name: str, error: str | None) -> None:
        self.inner.article_finished(name, error)

    def close(self) -> None:
        self.inner.close()

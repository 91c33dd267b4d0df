"""Atomic file writing, the one place narrator renames a finished file into place.

Every file is written to a temporary name in its target folder and renamed when complete, so a
reader sees the whole old file or the whole new one, never half of either.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from narrator.errors import OutputError

TEMP_PREFIX = ".narrator-"
TEMP_SUFFIX = ".part"


def _cannot(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"{target}: cannot be written ({exc.strerror or exc})")


def temporary_beside(target: Path, suffix: str = TEMP_SUFFIX) -> Path:
    """A new empty temporary file in ``target``'s folder (same file system: renames are atomic)."""
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=target.parent)
    except OSError as exc:
        raise _cannot(target, exc) from exc
    os.close(fd)
    return Path(name)


def replace(temporary: Path, target: Path, mode: int | None = 0o644) -> None:
    """Rename the finished ``temporary`` onto ``target`` (published files are world-readable)."""
    try:
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as exc:
        raise _cannot(target, exc) from exc


def write_atomic(path: Path, data: bytes, mode: int | None = 0o644) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: all or nothing."""
    temporary = temporary_beside(path)
    try:
        temporary.write_bytes(data)
        replace(temporary, path, mode)
    except OSError as exc:
        raise _cannot(path, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def write_text_atomic(path: Path, text: str) -> None:
    """``write_atomic`` for UTF-8 text with ``\\n`` line ends."""
    write_atomic(path, text.encode("utf-8"))


class Stage:
    """Files written to temporaries in their target folders, moved into place by ``commit``."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def add(self, target: Path, data: bytes) -> None:
        """Write ``data`` to a temporary file beside ``target``."""
        temporary = temporary_beside(target)
        self._pending.append((temporary, target))
        try:
            temporary.write_bytes(data)
        except OSError as exc:
            raise _cannot(target, exc) from exc

    def add_file(self, temporary: Path, target: Path) -> None:
        """Move an already written ``temporary`` file to ``target`` on commit (or delete it)."""
        self._pending.append((temporary, target))

    def commit(self) -> None:
        """Move every staged file into place, in the order added."""
        while self._pending:
            temporary, target = self._pending[0]
            replace(temporary, target)
            self._pending.pop(0)

    def discard(self) -> None:
        """Delete every staged file that was not moved into place."""
        for temporary, _ in self._pending:
            with contextlib.suppress(OSError):
                temporary.unlink()
        self._pending.clear()


@contextmanager
def staged_files() -> Iterator[Stage]:
    """A :class:`Stage` whose uncommitted files are deleted when the block ends."""
    stage = Stage()
    try:
        yield stage
    finally:
        stage.discard()

"""Atomic file writing, the one place narrator renames a finished file into place.

Every file is written to a temporary name in its target folder and renamed when complete, so a
reader sees the whole old file or the whole new one, never half of either.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from narrator.errors import OutputError

TEMP_PREFIX = ".narrator-"
TEMP_SUFFIX = ".part"
JOURNAL_PREFIX = ".narrator-commit-"  # a commit in progress: which targets it replaces, and their backups
BACKUP_PREFIX = ".narrator-old-"  # hard links to the files a commit replaces, until it is complete


def _cannot(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"{target}: cannot be written ({exc.strerror or exc})")


def temporary_name(target: Path, suffix: str = TEMP_SUFFIX) -> Path:
    """A fresh name for a temporary file beside ``target`` (same file system: renames are atomic),
    carrying this process's pid, not yet created. A caller records the name where its clean-up
    will find it (a ``finally``, a :class:`Stage`) before :func:`create_temporary` makes the file,
    so an interruption at any point (Ctrl-C lands between any two steps) cannot leave a file that
    nothing will delete."""
    return target.parent / f"{TEMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}{suffix}"


def create_temporary(temporary: Path, target: Path) -> None:
    """Create the empty file ``temporary`` (named by :func:`temporary_name` for ``target``); it must
    not exist yet."""
    try:
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise _cannot(target, exc) from exc


def probe_folder(folder: Path) -> None:
    """Raise :class:`OutputError` unless a file can be created in ``folder`` (a read-only mount,
    /proc, …: the file system's own word), leaving none: an unnamed ``O_TMPFILE`` file where the
    file system makes them (it vanishes when closed, whatever interrupts), else a named one, removed."""
    probe = folder / "probe"
    unnamed = getattr(os, "O_TMPFILE", None)  # Linux
    if unnamed is not None:
        try:
            os.close(os.open(folder, unnamed | os.O_WRONLY, 0o600))
            return
        except OSError as exc:  # EISDIR or EOPNOTSUPP: no unnamed files here; anything else is the answer
            if exc.errno not in (errno.EISDIR, errno.EOPNOTSUPP):
                raise _cannot(probe, exc) from exc
    temporary = temporary_name(probe)
    try:
        create_temporary(temporary, probe)
    finally:
        temporary.unlink(missing_ok=True)


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
    write_atomic_with(path, lambda temporary: temporary.write_bytes(data), mode)


def write_atomic_with(path: Path, fill: Callable[[Path], object], mode: int | None = 0o644) -> None:
    """:func:`write_atomic` for content too large to hold twice: ``fill`` writes the temporary file
    beside ``path`` (piece by piece if it likes), which is then renamed onto ``path``."""
    temporary = temporary_name(path)
    try:
        create_temporary(temporary, path)
        fill(temporary)
        replace(temporary, path, mode)
    except OutputError:  # already says which file and why
        raise
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
        """Write ``data`` to a temporary file beside ``target`` (recorded before it is created, so
        :meth:`discard` finds it whenever an interruption lands)."""
        temporary = temporary_name(target)
        self._pending.append((temporary, target))
        try:
            create_temporary(temporary, target)
        except OutputError:  # not created (and a name already taken is someone else's file)
            self._pending.pop()
            raise
        try:
            temporary.write_bytes(data)
        except OSError as exc:
            raise _cannot(target, exc) from exc

    def add_file(self, temporary: Path, target: Path) -> None:
        """Move an already written ``temporary`` file to ``target`` on commit (or delete it)."""
        self._pending.append((temporary, target))

    def commit(self) -> None:
        """Move every staged file into place as one set (see :func:`commit_set`)."""
        commit_set(self._pending)
        self._pending.clear()

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


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (flock on the folder itself: no lock file left behind).

    Commits into one folder take turns, so two narrations to the same target never interleave
    their files: the later one replaces the whole set of the earlier one.
    """
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def commit_set(pairs: list[tuple[Path, Path]]) -> None:
    """Move each finished temporary onto its target, all or nothing.

    Under the folder's lock, every file about to be replaced is first hard-linked to a backup and
    the plan is written to a journal; then the temporaries are renamed into place. If a rename
    fails, the files already moved are put back from their backups (and new ones removed), so the
    folder holds the complete old set again. A commit killed half-way is rolled back the same way
    by the next commit into that folder. On success the backups and the journal are removed.
    """
    if not pairs:
        return
    folder = pairs[0][1].parent
    if any(target.parent != folder for _, target in pairs):
        raise ValueError("a commit set must lie in one folder")
    try:
        with folder_lock(folder):
            recover(folder)
            _swap(folder, pairs)
    except OutputError:
        raise
    except OSError as exc:  # the folder could not be opened or locked
        raise _cannot(pairs[0][1], exc) from exc


def _swap(folder: Path, pairs: list[tuple[Path, Path]]) -> None:
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    journal = folder / f"{JOURNAL_PREFIX}{token}.json"
    entries: list[dict[str, str | None]] = []
    try:  # one block from the first backup to the last rename: no step lies outside its clean-up
        for index, (_, target) in enumerate(pairs):
            backup = folder / f"{BACKUP_PREFIX}{token}-{index}" if target.is_file() else None
            entries.append({"target": target.name, "backup": backup.name if backup else None})
            if backup is not None:  # recorded first: an interruption after the link still finds it
                os.link(target, backup)
        with journal.open("w", encoding="utf-8") as handle:
            json.dump(entries, handle)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_folder(folder)
        for temporary, target in pairs:
            replace(temporary, target)
        held = _finish(folder, journal, entries)
    except BaseException:  # a failure, or Ctrl-C / SIGTERM at any step: the old set stays (or returns)
        if journal.exists():  # the journal's removal is the commit point (as for :func:`recover`)
            _roll_back(folder, entries)
        _forget(folder, journal, entries)
        raise  # an OSError is named by commit_set, the one caller
    if held is not None:
        raise held


def _finish(folder: Path, journal: Path, entries: list[dict[str, str | None]]) -> BaseException | None:
    """Every file is in place: the journal goes, whatever lands meanwhile. A journal left behind
    would have the next commit into the folder roll this finished one back (deleting the files it
    added), so a Ctrl-C or SIGTERM arriving now is held until the journal is gone, and returned for
    the caller to raise."""
    interrupted: BaseException | None = None
    try:
        _fsync_folder(folder)
    except BaseException as exc:
        interrupted = exc
    while True:
        try:
            _forget(folder, journal, entries)
            break
        except BaseException as exc:  # interrupted while forgetting: forgetting again is harmless
            interrupted = interrupted or exc
    return interrupted


def _roll_back(folder: Path, entries: list[dict[str, str | None]]) -> None:
    """Put every target of ``entries`` back as it was before the commit began."""
    for entry in entries:
        target = folder / str(entry["target"])
        backup = entry["backup"]
        with contextlib.suppress(OSError):
            if backup is not None:
                os.replace(folder / backup, target)
            else:
                target.unlink(missing_ok=True)


def _forget(folder: Path, journal: Path, entries: list[dict[str, str | None]]) -> None:
    """Remove the journal, then the backups: without its journal a backup is only an orphan, which
    :func:`recover` removes, never rolls back (the other order could leave a journal whose backups
    are gone)."""
    with contextlib.suppress(OSError):
        journal.unlink()
    for entry in entries:
        if entry["backup"] is not None:
            with contextlib.suppress(OSError):
                (folder / entry["backup"]).unlink()


def recover(folder: Path) -> None:
    """Roll back any commit into ``folder`` that was killed half-way (call under the folder lock)."""
    with contextlib.suppress(OSError):
        for journal in sorted(folder.glob(f"{JOURNAL_PREFIX}*.json")):
            try:
                entries = json.loads(journal.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                entries = []
            if isinstance(entries, list):
                valid = [e for e in entries if isinstance(e, dict) and isinstance(e.get("target"), str)]
                _roll_back(folder, valid)
                _forget(folder, journal, valid)
        for orphan in folder.glob(f"{BACKUP_PREFIX}*"):  # backups made before a journal was written
            with contextlib.suppress(OSError):
                orphan.unlink()


def clean_up_after(folder: Path, pid: int) -> list[Path]:
    """What process ``pid``, killed mid-write, left in ``folder``, undone by the process that
    started it (which knows it is gone): a commit it had half made is rolled back, and its
    temporary files (their names carry their writer's pid) are removed. The removed files."""
    removed = []
    with contextlib.suppress(OSError), folder_lock(folder):
        recover(folder)
        for path in folder.glob(f"{TEMP_PREFIX}{pid}-*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed

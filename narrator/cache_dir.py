"""Where narrator caches (compact models and word lists it builds once, synthesized audio), and how
a cached thing names the files it was made from."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "NARRATOR_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$NARRATOR_CACHE_DIR`` if set, else the platform's user cache dir for narrator."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("narrator"))


def cache_problem(folder: Path | None = None) -> str | None:
    """Why files cannot be written in the cache ``folder`` (default: narrator's), or None if they can."""
    place = folder or default_cache_dir()
    try:
        place.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{place}: {exc.strerror or exc}"
    if not place.is_dir() or not os.access(place, os.W_OK | os.X_OK):
        return f"{place}: not writable"
    return None


def file_stamp(path: str) -> list[int] | None:
    """A file's size and modification time (ns): what a cache entry made from the file records of
    it, to know it again (None: no such file)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_size, found.st_mtime_ns]

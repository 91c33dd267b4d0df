"""A content-addressed synthesis cache: one file per (engine settings, sentence text).

Entries live in the user cache folder (platformdirs) unless told otherwise. Writes go to a
temporary file that is renamed into place, so a concurrent reader sees a whole entry or none.
Reading an entry refreshes its modification time; ``prune`` evicts the least recently used
entries until the cache fits its size limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from narrator.engines.base import Engine
from narrator.model import Clip, WordTime

DEFAULT_LIMIT_BYTES = 1024 * 1024 * 1024
_MAGIC = b"NRC1"
_SUFFIX = ".clip"


def default_cache_dir() -> Path:
    """``$NARRATOR_CACHE_DIR``, else the user cache folder for narrator."""
    env = os.environ.get("NARRATOR_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("narrator")) / "clips"


@dataclass(frozen=True)
class CacheInfo:
    """What ``narrator cache info`` reports."""

    folder: Path
    entries: int
    size_bytes: int
    limit_bytes: int


def _encode(clip: Clip) -> bytes:
    header = json.dumps(
        {"rate": clip.sample_rate, "words": [[w.text, w.start_ms, w.end_ms] for w in clip.words]},
        ensure_ascii=False,
    ).encode("utf-8")
    return _MAGIC + len(header).to_bytes(4, "little") + header + clip.pcm


def _decode(data: bytes) -> Clip | None:
    if not data.startswith(_MAGIC) or len(data) < 8:
        return None
    size = int.from_bytes(data[4:8], "little")
    try:
        header = json.loads(data[8 : 8 + size])
        words = tuple(WordTime(str(t), int(s), int(e)) for t, s, e in header["words"])
        return Clip(pcm=data[8 + size :], sample_rate=int(header["rate"]), words=words)
    except (ValueError, KeyError, TypeError):
        return None


class ClipCache:
    """Clips on disk, addressed by a hash of the engine's settings and the text."""

    def __init__(self, folder: Path, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> None:
        self.folder = folder
        self.limit_bytes = limit_bytes

    @staticmethod
    def key(settings: str, text: str) -> str:
        return hashlib.sha256(f"{settings}\0{text}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}{_SUFFIX}"

    def get(self, key: str) -> Clip | None:
        """The cached clip for ``key``, or None (a damaged entry counts as missing)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        clip = _decode(data)
        if clip is not None:
            with contextlib.suppress(OSError):
                os.utime(path)
        return clip

    def put(self, key: str, clip: Clip) -> None:
        """Store ``clip`` atomically; a cache that cannot be written is silently skipped."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(_encode(clip))
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)

    def _entries(self) -> list[tuple[float, int, Path]]:
        found: list[tuple[float, int, Path]] = []
        if not self.folder.is_dir():
            return found
        for path in self.folder.glob(f"*/*{_SUFFIX}"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                found.append((stat.st_mtime, stat.st_size, path))
        return found

    def prune(self) -> int:
        """Evict least recently used entries until the cache fits its limit; return how many."""
        entries = sorted(self._entries())
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in entries:
            if total <= self.limit_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
                removed += 1
        return removed

    def info(self) -> CacheInfo:
        entries = self._entries()
        return CacheInfo(self.folder, len(entries), sum(s for _, s, _ in entries), self.limit_bytes)

    def clear(self) -> int:
        """Remove every entry; return how many were removed."""
        removed = 0
        for _, _, path in self._entries():
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed


@dataclass
class CachedEngine:
    """An engine whose clips are looked up in a ClipCache before being synthesized."""

    inner: Engine
    cache: ClipCache
    hits: int = 0
    misses: int = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def max_chars(self) -> int:
        return self.inner.max_chars

    def available(self) -> str | None:
        return self.inner.available()

    def settings_key(self) -> str:
        return self.inner.settings_key()

    def synthesize(self, text: str) -> Clip:
        key = ClipCache.key(self.inner.settings_key(), text)
        clip = self.cache.get(key)
        if clip is not None:
            self.hits += 1
            return clip
        self.misses += 1
        clip = self.inner.synthesize(text)
        self.cache.put(key, clip)
        return clip

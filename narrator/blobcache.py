"""A content-addressed blob cache on disk, shared by every zone (clips, levels, segments).

Entries live in narrator's cache folder unless told otherwise. Writes go to a temporary file that
is renamed into place, so a concurrent reader sees a whole entry or none. Reading an entry
refreshes its modification time; ``prune`` evicts the least recently used entries until the cache
fits its size limit.

Counting the cache means a ``stat`` of every entry (thousands in a well-used cache), so it is not
done on every run: a ledger in the folder holds the size found by the last count, and every entry
written appends its size (one short append, whole whatever else appends). ``prune`` counts again
only when the ledger's sum passes the limit, or when there is no ledger to read. The ledger can
only err low by what is appended while a count rewrites it; deleted damaged entries and entries
written twice make it err high (a count sooner).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from narrator.atomic import TEMP_PREFIX, write_atomic
from narrator.cache_dir import default_cache_dir
from narrator.record import record

DEFAULT_LIMIT_BYTES = 1024 * 1024 * 1024
#: Entry format: magic, payload length (8 bytes), the first 16 bytes of the payload's SHA-256, payload.
#: (NBC1 entries used BLAKE2b, three times slower here than OpenSSL's SHA-256 with the CPU's SHA
#: instructions: 26 ms against 9 ms for the seed's clips, read back on every re-narration. They no
#: longer verify, so they are made again once.)
_SEAL = b"NBC2"
_DIGEST = 16
_HEADER = len(_SEAL) + 8 + _DIGEST
LEDGER_NAME = "usage.log"  # the size at the last count ("= N"), then each entry written since ("+ N")


def seal(data: bytes) -> bytes:
    """``data`` with the header that lets :func:`unseal` prove it whole."""
    digest = hashlib.sha256(data).digest()[:_DIGEST]
    return _SEAL + len(data).to_bytes(8, "little") + digest + data


def unseal(stored: bytes) -> bytes | None:
    """The payload of a sealed entry, or None if it is not exactly what was sealed."""
    if len(stored) < _HEADER or not stored.startswith(_SEAL):
        return None
    size = int.from_bytes(stored[4:12], "little")
    data = stored[_HEADER:]
    if len(data) != size or hashlib.sha256(data).digest()[:_DIGEST] != stored[12:_HEADER]:
        return None
    return data


def default_audio_cache_dir() -> Path:
    """The ``audio`` folder of narrator's cache (``$NARRATOR_CACHE_DIR`` or the user cache folder)."""
    return default_cache_dir() / "audio"


@record
class CacheInfo:
    """What ``narrator cache info`` reports."""

    folder: Path
    entries: int
    size_bytes: int
    limit_bytes: int


class BlobCache:
    """Byte strings on disk, addressed by a hash, in one folder shared by every kind of entry.

    An entry is ``<folder>/<first two hex digits>/<key>.<kind>``; the size limit counts them all.
    """

    def __init__(self, folder: Path, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> None:
        self.folder = folder
        self.limit_bytes = limit_bytes

    @staticmethod
    def key(*parts: str | bytes) -> str:
        """A hex digest of ``parts`` (each length-prefixed, so no two lists of parts collide)."""
        digest = hashlib.sha256()
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str, kind: str) -> Path:
        return self.folder / key[:2] / f"{key}.{kind}"

    def get(self, key: str, kind: str) -> bytes | None:
        """The entry's bytes (and its use recorded for eviction), or None.

        Every entry carries its length and (part of) the SHA-256 of its bytes; an entry that fails the
        check (cut short, overwritten, written by an older narrator) is deleted and counts as missing,
        so the caller builds it again instead of using it.
        """
        path = self._path(key, kind)
        try:
            stored = path.read_bytes()
        except OSError:
            return None
        data = unseal(stored)
        if data is None:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return data

    def put(self, key: str, kind: str, data: bytes) -> None:
        """Store ``data`` atomically with its checksum; a cache that cannot be written is skipped."""
        path = self._path(key, kind)
        with contextlib.suppress(OSError):  # OutputError is an OSError too
            path.parent.mkdir(parents=True, exist_ok=True)
            sealed = seal(data)
            write_atomic(path, sealed, mode=None)
            with open(self.folder / LEDGER_NAME, "a", encoding="ascii") as ledger:
                ledger.write(f"+ {len(sealed)}\n")

    def _entries(self) -> list[tuple[float, int, Path]]:
        found: list[tuple[float, int, Path]] = []
        if not self.folder.is_dir():
            return found
        for path in self.folder.glob("??/*.*"):
            if path.name.startswith(TEMP_PREFIX):
                continue
            with contextlib.suppress(OSError):
                stat = path.stat()
                found.append((stat.st_mtime, stat.st_size, path))
        return found

    def prune(self) -> int:
        """Evict least recently used entries until the cache fits its limit; return how many.
        The entries are counted only when the ledger says the limit may be passed (see the module)."""
        ledger = self.folder / LEDGER_NAME
        estimate = _ledger_sum(ledger)
        if estimate is not None and estimate <= self.limit_bytes:
            return 0
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
        if self.folder.is_dir():
            with contextlib.suppress(OSError):
                write_atomic(ledger, f"= {total}\n".encode("ascii"), mode=None)
        return removed

    def info(self) -> CacheInfo:
        entries = self._entries()
        return CacheInfo(self.folder, len(entries), sum(s for _, s, _ in entries), self.limit_bytes)

    def clear(self) -> int:
        """Remove every entry; return how many were removed."""
        with contextlib.suppress(OSError):
            (self.folder / LEDGER_NAME).unlink()  # the next prune counts afresh
        removed = 0
        for _, _, path in self._entries():
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed


def _ledger_sum(ledger: Path) -> int | None:
    """The cache's size as the ledger tells it, or None if it cannot be read (then count)."""
    try:
        lines = ledger.read_text("ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or not lines[0].startswith("= "):
        return None
    total = 0
    for line in lines:
        sign, _, number = line.partition(" ")
        if sign not in ("=", "+") or not number.isdigit():
            return None
        total += int(number)
    return total

"""Prepared paragraphs remembered in the cache, so that a re-narration after an edit prepares only
the lines that changed (each line is prepared on its own: :func:`narrator.text.prepare.prepare`).

An entry is keyed by the line, the user's lexicon and everything else the result depends on: the
code and data of narrator, the installed hazm, num2fawords and wordfreq (and the names of the
hazm tables and frequency list built from them, which carry their data files' sizes and dates),
and Python's version (its Unicode tables). Those are named by their files' sizes and modification
times, so a new narrator, a new library or an edited source file is a new key and never reads an
old entry.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from functools import lru_cache
from pathlib import Path

from narrator.blobcache import BlobCache
from narrator.cache_dir import default_cache_dir, file_stamp
from narrator.model import Sentence
from narrator.text.lexicon import Lexicon

KIND = "text"
FORMAT = "1"
#: The libraries whose data or code shape the prepared text.
LIBRARIES = ("hazm", "num2fawords", "wordfreq")
_CODE_SUFFIXES = (".py", ".tsv", ".txt", ".json")


def paragraph_key(line: str, lexicon_digest: str) -> str:
    """The cache key of ``line`` prepared with the lexicon of ``lexicon_digest`` (a line that is
    not valid UTF-8, with a lone surrogate, is named by its code points all the same)."""
    text = line.encode("utf-8", "surrogatepass")
    return BlobCache.key("prepared", FORMAT, code_identity(), lexicon_digest, text)


def lexicon_digest(lexicon: Lexicon | None) -> str:
    """A name for ``lexicon``'s entries (its words, and its patterns in order)."""
    if lexicon is None:
        return "none"
    entries = [sorted(lexicon.words.items()), [(p.pattern, p.flags, r) for p, r in lexicon.patterns]]
    return BlobCache.key("lexicon", json.dumps(entries, ensure_ascii=False))


def recall(cache: BlobCache, key: str) -> tuple[Sentence, ...] | None:
    """The sentences remembered under ``key`` (None: none, or an entry of another shape)."""
    stored = cache.get(key, KIND)
    if stored is None:
        return None
    try:
        pairs = json.loads(stored.decode("utf-8", "surrogatepass"))
        if isinstance(pairs, list) and all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in pairs
        ):
            return tuple(Sentence(written=w, spoken=s) for w, s in pairs)
    except ValueError:
        pass
    return None


def remember(cache: BlobCache, key: str, sentences: tuple[Sentence, ...]) -> None:
    pairs = [[s.written, s.spoken] for s in sentences]
    cache.put(key, KIND, json.dumps(pairs, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@lru_cache(maxsize=1)
def code_identity() -> str:
    """A name for what prepared text depends on besides its line and lexicon (see the module)."""
    package = str(Path(__file__).resolve().parents[1])
    found: list[object] = [sys.version]
    for folder, folders, files in os.walk(package):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(files):
            if name.endswith(_CODE_SUFFIXES):
                found.append(_stat(os.path.join(folder, name), len(package) + 1))
    if len(found) == 1:  # no files to name the code by (a zip, say): nothing is remembered across runs
        found.append(os.urandom(16).hex())
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)  # found, not imported
        found.append([library, _stat(spec.origin, 0) if spec is not None and spec.origin else None])
    found.append(_tables())
    return BlobCache.key("text-code", json.dumps(found))


def _tables() -> list[str | None]:
    """The names of the hazm tables and the frequency list this narrator would read: each carries
    the sizes and dates of the library files it is built from."""
    from narrator.text import hazm_data, zwnj

    folder = default_cache_dir()
    try:
        hazm = hazm_data.cache_path(folder, hazm_data.hazm_package_dir()).name
    except (OSError, hazm_data.HazmUnavailable):
        hazm = None
    frequencies = zwnj.frequency_cache(folder)
    return [hazm, frequencies.name if frequencies is not None else None]


def _stat(path: str, skip: int) -> list[object]:
    """A file's name (``skip`` characters of its path left out), size and modification time."""
    stamp = file_stamp(path)
    return [path[skip:], None] if stamp is None else [path[skip:], *stamp]

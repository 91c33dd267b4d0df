"""Regular expressions compiled once per installation, not once per run.

narrator's text rules are some 150 regular expressions, and Python compiles every one afresh in
every process: 25 to 40 ms of each run here, a tenth of a re-narration after an edit. This module
keeps what compiling produced (the matcher's code, its flags and groups) in a file in narrator's
cache and hands it straight to the matcher the next time.

That is CPython's own last step (``re._compiler.compile`` ends in ``_sre.compile``), not a public
interface: the file is named by the Python version and the matcher's ``MAGIC``, so another Python
compiles afresh, and it is sealed (:func:`narrator.blobcache.seal`), so a damaged file is
compiled afresh too. Anything unexpected, now or in a later Python, falls back to
:func:`re.compile`. ``tests/test_regex.py`` checks every pattern narrator compiles against
:func:`re.compile` on real text.
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import re
import sys
import threading
from pathlib import Path
from typing import Any

from narrator.atomic import write_atomic
from narrator.blobcache import seal, unseal
from narrator.cache_dir import default_cache_dir

try:  # CPython's regular expression engine and compiler: see the module's docstring
    import _sre  # type: ignore[import-not-found]
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # another Python: every pattern is compiled by re
    _sre = None

#: What compiling a pattern produced: flags (the pattern's own included), code, groups, the
#: group names' indexes and the index's names, as ``_sre.compile`` takes them after the pattern.
Compiled = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

#: The file keeps at most this many patterns; past it, only those the last run used (a lexicon's
#: patterns change with the lexicon, and each version would otherwise stay).
MAX_PATTERNS = 2000

_lock = threading.Lock()
_known: dict[tuple[str, int], Compiled] | None = None  # loaded on first use
_used: set[tuple[str, int]] = set()  # compiled in this process
_added = False  # something compiled afresh: the file is written at exit


def _tag() -> str:
    magic = getattr(_sre, "MAGIC", 0)
    return hashlib.sha256(f"{sys.version}|{magic}|{getattr(_sre, 'CODESIZE', 0)}".encode()).hexdigest()[:16]


def store_path() -> Path:
    """The file this Python's compiled patterns are kept in."""
    return default_cache_dir() / f"patterns-{_tag()}.bin"


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """:func:`re.compile`, from what an earlier run compiled when it can be."""
    if _sre is None or not isinstance(pattern, str):
        return re.compile(pattern, flags)
    flags = int(flags)  # a RegexFlag is kept as the number it is
    known = _loaded()
    _used.add((pattern, flags))
    found = known.get((pattern, flags))
    if found is not None:
        try:
            made: re.Pattern[str] = _sre.compile(pattern, *found)
            return made
        except (TypeError, ValueError, RuntimeError):
            pass  # not what this Python's matcher takes: compiled afresh below
    try:
        parts = _compiled(pattern, flags)
        made = _sre.compile(pattern, *parts)
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return re.compile(pattern, flags)  # the internals are not as expected: re's own way
    with _lock:
        global _added
        known[(pattern, flags)] = parts
        if not _added:
            _added = True
            atexit.register(save)
    return made


def _compiled(pattern: str, flags: int) -> Compiled:
    """What ``re._compiler.compile`` hands ``_sre.compile`` for ``pattern``, made the same way."""
    parsed: Any = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex: dict[str, int] = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    flags |= parsed.state.flags
    return int(flags), [int(c) for c in code], parsed.state.groups - 1, groupindex, tuple(indexgroup)


def _loaded() -> dict[tuple[str, int], Compiled]:
    global _known
    if _known is None:
        with _lock:
            if _known is None:
                _known = _read(store_path())
    return _known


def _read(path: Path) -> dict[tuple[str, int], Compiled]:
    try:
        data = unseal(path.read_bytes())
        if data is None:
            return {}
        entries = marshal.loads(data)
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {key: value for key, value in entries.items() if _well_formed(key, value)}


def _well_formed(key: object, value: object) -> bool:
    return (
        isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str) and isinstance(key[1], int)
        and isinstance(value, tuple) and len(value) == 5 and isinstance(value[1], list)
    )


def save() -> None:
    """Write the patterns compiled so far, if any were compiled afresh (a cache that cannot be
    written is skipped). Called at exit, and by the command line before it leaves."""
    global _added
    with _lock:
        if not _added or _known is None:
            return
        kept = _known if len(_known) <= MAX_PATTERNS else {k: v for k, v in _known.items() if k in _used}
        data = marshal.dumps(dict(kept))
        _added = False
    path = store_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, seal(data), mode=None)
    except OSError:
        pass

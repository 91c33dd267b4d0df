"""The part-of-speech CRF behind the ezafe step, in a compact form that loads in milliseconds.

``gruut-lang-fa`` ships a Wapiti CRF (``pos/postagger.model``, 69 MB of text, ~205 MB once
loaded by libwapiti) whose tags end in ``e`` on words that take the ezafe (``Ne``, ``AJe``…).
This module reads that file once, keeps only its non-zero weights in sparse arrays keyed by a
64-bit hash of each feature string, and saves them as one file of arrays in the user cache, mapped
(not read) when loaded. Tagging
re-creates Wapiti's 20 feature patterns (word window, byte prefixes/suffixes, punctuation and
digit tests) and runs Viterbi over the 23 labels; tests check the labels equal libwapiti's.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from narrator.atomic import write_atomic_with
from narrator.cache_dir import CACHE_ENV as CACHE_ENV  # re-exported for callers of this module
from narrator.cache_dir import default_cache_dir as default_cache_dir
from narrator.record import record

FORMAT_VERSION = 2  # 2: one file of mapped arrays (1 was an .npz, read whole)
_HEADER_ROOM = 1 << 16  # bytes before the first array: the header's length and JSON
_ARRAYS = ("keys", "uni_start", "uni_label", "uni_weight", "bi_start", "bi_pair", "bi_weight")
_OUT_OF_RANGE_BEFORE = (b"_x-1", b"_x-2", b"_x-3", b"_x-4", b"_x-#")
_OUT_OF_RANGE_AFTER = (b"_x+1", b"_x+2", b"_x+3", b"_x+4", b"_x+#")
# The byte classes of Wapiti's small regex engine (C ``ispunct``/``isdigit``, ASCII only).
_CLASSES = {rb"\p": rb"[!-/:-@\[-`{-~]", rb"\d": rb"[0-9]"}
_ITEM = re.compile(rb'%([xmt])\[(-?\d+),(\d+)(?:,"((?:[^"\\]|\\.)*)")?\]')

FloatArray = npt.NDArray[np.float32]


class ModelFormatError(ValueError):
    """The Wapiti model file is not in the shape this reader understands."""


def shipped_model_path() -> Path:
    """Where ``gruut-lang-fa`` keeps its Wapiti part-of-speech model (may not exist). Found without
    importing the package (its import sets up importlib.resources, about 6 ms at start-up);
    ``ModuleNotFoundError`` when it is not installed."""
    spec = importlib.util.find_spec("gruut_lang_fa")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'gruut_lang_fa'", name="gruut_lang_fa")
    return Path(next(iter(spec.submodule_search_locations))) / "pos" / "postagger.model"


@lru_cache(maxsize=1 << 15)
def feature_hash(feature: bytes) -> int:
    """The 64-bit key a feature string is stored under (remembered for the features met most: a
    word's affixes, the common words, the bias and the yes/no tests repeat across sentences)."""
    return int.from_bytes(hashlib.blake2b(feature, digest_size=8).digest(), "little")


@record
class _Item:
    """One piece of a pattern: literal text, or a command on the token at ``offset``."""

    kind: str  # "s" literal, "x" token, "m" regex match, "t" regex test
    text: bytes = b""
    offset: int = 0
    regex: re.Pattern[bytes] | None = None


def _compile_regex(source: bytes) -> re.Pattern[bytes]:
    """Translate one of Wapiti's regexes (``^.?``, ``.?$``, ``\\p``, ``^\\d*$``) to Python's."""
    out = source
    for wapiti_class, python_class in _CLASSES.items():
        out = out.replace(wapiti_class, python_class)
    if out.endswith(b"$"):
        out = out[:-1] + rb"\Z"
    if re.search(rb"\\[^\[\]\-Z]", out.replace(rb"\Z", b"")):
        raise ModelFormatError(f"unsupported pattern regex {source!r}")
    return re.compile(out, re.DOTALL)


def _parse_pattern(pattern: bytes) -> tuple[_Item, ...]:
    """Split a pattern such as ``*:p1=%m[0,0,"^.?"]`` into literal and command items."""
    items: list[_Item] = []
    position = 0
    for match in _ITEM.finditer(pattern):
        if match.start() > position:
            items.append(_Item("s", text=pattern[position : match.start()]))
        command, offset, column, regex = match.groups()
        if int(column) != 0:
            raise ModelFormatError(f"pattern {pattern!r} reads a column other than the word")
        if command != b"x" and regex is None:
            raise ModelFormatError(f"pattern {pattern!r} lacks its regex")
        compiled = _compile_regex(regex) if regex is not None else None
        items.append(_Item(command.decode(), offset=int(offset), regex=compiled))
        position = match.end()
    if position < len(pattern):
        items.append(_Item("s", text=pattern[position:]))
    return tuple(items)


def _apply(items: tuple[_Item, ...], tokens: Sequence[bytes], at: int) -> bytes:
    """The feature string a pattern yields at position ``at``, exactly as Wapiti builds it."""
    parts: list[bytes] = []
    for item in items:
        if item.kind == "s":
            parts.append(item.text)
            continue
        position = at + item.offset
        if position < 0:
            value = _OUT_OF_RANGE_BEFORE[min(-position - 1, 4)]
        elif position >= len(tokens):
            value = _OUT_OF_RANGE_AFTER[min(position - len(tokens), 4)]
        else:
            value = tokens[position]
        if item.kind == "x":
            parts.append(value)
            continue
        assert item.regex is not None  # set for every "m"/"t" item by _parse_pattern
        found = item.regex.search(value)
        if item.kind == "t":
            parts.append(b"true" if found else b"false")
        elif found:
            parts.append(found.group(0))
    return b"".join(parts)


@record
class CompactCrf:
    """A linear-chain CRF with sparse unigram and bigram weights looked up by feature hash."""

    labels: tuple[str, ...]
    patterns: tuple[bytes, ...]
    keys: npt.NDArray[np.uint64]  # sorted feature hashes
    uni_start: npt.NDArray[np.int64]  # CSR row starts into uni_label/uni_weight, len(keys)+1
    uni_label: npt.NDArray[np.uint8]
    uni_weight: FloatArray
    bi_start: npt.NDArray[np.int64]
    bi_pair: npt.NDArray[np.uint16]  # previous label * Y + label
    bi_weight: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", tuple(_parse_pattern(p) for p in self.patterns))

    def features(self, tokens: Sequence[bytes], at: int) -> list[bytes]:
        """All feature strings at one position (unknown ones are simply not found later)."""
        compiled: tuple[tuple[_Item, ...], ...] = self.__dict__["_compiled"]
        return [_apply(items, tokens, at) for items in compiled]

    def tag(self, words: Sequence[str]) -> list[str]:
        """The most likely label of each word (one word per item, no spaces inside)."""
        if not words:
            return []
        tokens = [w.encode("utf-8") for w in words]
        count, size = len(tokens), len(self.labels)
        hashes: list[int] = []
        positions: list[int] = []
        for at in range(count):
            found = [feature_hash(f) for f in self.features(tokens, at)]
            hashes.extend(found)
            positions.extend([at] * len(found))
        rows, where = self._rows(np.array(hashes, np.uint64))
        at_row = np.array(positions, np.intp)[where]
        index, weight = _gather(self.uni_start, self.uni_label, self.uni_weight, rows, at_row, size)
        unary = np.bincount(index, weight, minlength=count * size)
        later = at_row > 0  # Wapiti uses no transition features at the first position
        binary = _transitions(self, rows[later], at_row[later], count)
        best = _viterbi(unary.reshape(count, size), binary.reshape(count, size, size))
        return [self.labels[i] for i in best]

    def _rows(self, hashes: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Rows of the features the model knows, and which queried hashes they answer."""
        found = np.searchsorted(self.keys, hashes)
        inside = np.nonzero(found < len(self.keys))[0]
        known = inside[self.keys[found[inside]] == hashes[inside]]
        return found[known], known

    def save(self, path: Path) -> None:
        """Write the model to ``path`` atomically (``narrator.atomic``: all or nothing): a header
        (its length, then JSON: labels, patterns, and each array's type, length and place), then
        each array's bytes at a 64-byte boundary, so :meth:`load` can map them."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {name: np.ascontiguousarray(getattr(self, name)) for name in _ARRAYS}
        places: dict[str, tuple[str, int, int]] = {}
        offset = _HEADER_ROOM
        for name, array in arrays.items():
            places[name] = (array.dtype.str, len(array), offset)
            offset += -(-array.nbytes // 64) * 64
        meta = json.dumps({"version": FORMAT_VERSION, "labels": self.labels,
                           "patterns": [p.decode("utf-8") for p in self.patterns], "arrays": places})
        header = len(meta.encode("utf-8")).to_bytes(8, "little") + meta.encode("utf-8")
        if len(header) > _HEADER_ROOM:
            raise ModelFormatError("the model's header does not fit its room")

        def fill(temporary: Path) -> None:  # piece by piece: no second copy of the model in memory
            with temporary.open("wb") as out:
                out.write(header)
                for name, array in arrays.items():
                    out.seek(places[name][2])
                    out.write(memoryview(array).cast("B"))
                out.truncate(offset)

        write_atomic_with(path, fill)

    @classmethod
    def load(cls, path: Path) -> CompactCrf:
        """Map a model written by :meth:`save` (its arrays are read from the file as tagging
        touches them: loading takes a millisecond, not the 25 ms of reading 24 MB);
        ``ModelFormatError`` if it is not one, or is shorter than its header says."""
        try:
            size = path.stat().st_size
            with path.open("rb") as stream:
                head = stream.read(_HEADER_ROOM)
            length = int.from_bytes(head[:8], "little")
            if not 0 < length <= _HEADER_ROOM - 8 or len(head) < 8 + length:
                raise ModelFormatError(f"{path} is not a compact ezafe model: no header")
            meta = json.loads(head[8 : 8 + length].decode("utf-8"))
            if meta.get("version") != FORMAT_VERSION:
                raise ModelFormatError(f"{path} has format {meta.get('version')}")
            arrays: dict[str, npt.NDArray[np.generic]] = {}
            for name in _ARRAYS:
                kind, count, offset = meta["arrays"][name]
                dtype = np.dtype(kind)
                if offset < _HEADER_ROOM or offset + count * dtype.itemsize > size:
                    raise ModelFormatError(f"{path} is not a compact ezafe model: it is cut short")
                mapped = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(count,))
                arrays[name] = np.asarray(mapped)  # a plain view: memmap's subclass slows every slice
            patterns = tuple(p.encode("utf-8") for p in meta["patterns"])
            return cls(labels=tuple(meta["labels"]), patterns=patterns, **arrays)  # type: ignore[arg-type]
        except (KeyError, ValueError, TypeError, OSError, UnicodeDecodeError) as exc:
            if isinstance(exc, ModelFormatError):
                raise
            raise ModelFormatError(f"{path} is not a compact ezafe model: {exc}") from exc


def _gather(starts: npt.NDArray[np.int64], slots: npt.NDArray[np.uint8] | npt.NDArray[np.uint16],
            weights: FloatArray, rows: npt.NDArray[np.intp], at: npt.NDArray[np.intp],
            width: int) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Flat score indices (position * width + slot) and weights of the CSR ``rows``."""
    lo, hi = starts[rows], starts[rows + 1]
    lengths = hi - lo
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    first = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    entries = first + np.arange(total)
    index = np.repeat(at.astype(np.int64), lengths) * width + slots[entries].astype(np.int64)
    return index, weights[entries]


def _transitions(model: CompactCrf, rows: npt.NDArray[np.intp], at: npt.NDArray[np.intp],
                 count: int) -> npt.NDArray[np.float64]:
    """Per position, the summed transition weights of its features (``rows``, at positions ``at``,
    in order): ``count`` rows of ``labels * labels`` scores.

    A long sentence's features hold few distinct rows with transition weights, and those many
    pairs each (the bias and the yes/no tests have weights for most of the 529 pairs), so each
    distinct row is made dense once and the rows of each position are summed: half the work of
    expanding every occurrence entry by entry (a short sentence's rows are expanded directly).
    Each score is the same sum, in the same order, either way.
    """
    width = len(model.labels) ** 2
    binary = np.zeros((count, width))
    if not len(rows):
        return binary
    distinct, inverse = np.unique(rows, return_inverse=True)
    if len(rows) < 2 * len(distinct):  # a short sentence: few rows repeat, expand them directly
        index, weight = _gather(model.bi_start, model.bi_pair, model.bi_weight, rows, at, width)
        return np.bincount(index, weight, minlength=count * width).reshape(count, width)
    index, weight = _gather(model.bi_start, model.bi_pair, model.bi_weight, distinct,
                            np.arange(len(distinct)), width)
    dense = np.bincount(index, weight, minlength=len(distinct) * width).reshape(len(distinct), width)
    firsts = np.flatnonzero(np.concatenate([[True], at[1:] != at[:-1]]))
    binary[at[firsts]] = np.add.reduceat(dense[inverse], firsts, axis=0)
    return binary


def _viterbi(unary: npt.NDArray[np.float64], binary: npt.NDArray[np.float64]) -> list[int]:
    """Best label path for per-position label scores and per-position transition scores."""
    score = unary[0].copy()
    back: list[npt.NDArray[np.intp]] = []
    for at in range(1, len(unary)):
        candidates = score[:, None] + binary[at] + unary[at][None, :]
        best = np.argmax(candidates, axis=0)
        back.append(best)
        score = candidates[best, np.arange(candidates.shape[1])]
    path = [int(np.argmax(score))]
    for best in reversed(back):
        path.append(int(best[path[-1]]))
    return path[::-1]


def cache_path(source: Path, cache_dir: Path) -> Path:
    """The compact model's file for ``source``: named after the format, size and mtime."""
    stat = source.stat()
    tag = hashlib.sha256(f"{FORMAT_VERSION}|{source}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return cache_dir / f"ezafe-pos-{tag.hexdigest()[:16]}.crf"


def load_compact(source: Path | None = None, cache_dir: Path | None = None) -> CompactCrf:
    """The compact tagger: from the cache if built before, else built from ``source`` and cached.

    Raises ``OSError`` or ``ModelFormatError`` when neither works; a cache that cannot be
    written is not an error (the model is then rebuilt next time).
    """
    source = source or shipped_model_path()
    target = cache_path(source, cache_dir or default_cache_dir())
    if target.exists():
        try:
            return CompactCrf.load(target)
        except ModelFormatError:
            pass  # a damaged cache file is rebuilt below
    from narrator.text.wapiti_reader import build_from_wapiti  # the first run only

    model = build_from_wapiti(source)
    with contextlib.suppress(OSError):  # an unwritable cache only costs a rebuild next time
        model.save(target)
    return model

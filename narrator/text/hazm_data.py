"""hazm's normalization tables and word lists, copied once into a small cached file.

Importing hazm costs about 0.9 s and 115 MB (it pulls in nltk and scipy.stats) and building its
``Normalizer`` another 1.2 s and 160 MB (a 193,000-word dict and a 346,000-form verb set), while
narrator only needs a few tables and a few membership tests. hazm stays the source of truth:
the first use builds, from hazm itself, a file holding its character tables and regex
patterns, its words (with their counts) and its verb forms, and saves it in the user cache under a
name that carries hazm's version and the size and date of hazm's files. Later runs read that file
(about 3.5 MB in ``marshal``'s format, its word lists UTF-16: some 5 ms, a few MB of memory) and
never import hazm.

Only what :mod:`narrator.text.hazm_steps` and :mod:`narrator.text.normalize` look up is kept:
words without a space or ZWNJ (the steps only look up single runs of letters) and verb forms
without a space (the steps only look up ``می‌…`` and ``…ه‌اند``-like forms).
"""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from narrator import regex
from narrator.atomic import write_atomic
from narrator.cache_dir import default_cache_dir, file_stamp
from narrator.errors import NarratorError
from narrator.record import record

#: 4: word groups as one UTF-16 blob each (reading 3.2 MB of UTF-8 took 9 ms of a 12 ms load, UTF-16
#: 0.3 ms); 3: the file is marshal (JSON took 3x as long to read: its groups are escaped).
FORMAT_VERSION = 4
_SEPARATOR = "\x00"  # between word groups in a blob (no word holds it)
ZWNJ = "\u200c"
# hazm files whose change changes the data (size and mtime go into the cache file's name).
_HAZM_FILES = ("constants.py", "normalizer.py", "lemmatizer.py", "word_tokenizer.py", "utils.py",
               "data/words.dat", "data/verbs.dat")
_Pairs = tuple[tuple[str, str], ...]
_SPACE = regex.compile(r"\s")
_SPACE_OR_ZWNJ = regex.compile(r"[\s\u200c]")


class HazmUnavailable(NarratorError, ImportError):
    """hazm is needed (once, to build the cached tables) and is not installed."""


class WordTable:
    """A read-only set of words, some with a count, kept in a few thousand strings.

    Words are spread over groups by a CRC-32 of their UTF-8 bytes (about 48 words a group); a
    group is one string of its sorted entries, ``word`` or ``word<TAB>count``, each followed by a
    newline and the first preceded by one. A lookup is a checksum and one substring search in a
    few hundred characters; 180,000 words take about 3 MB instead of the 25 MB of a dict.

    >>> table = WordTable.from_counts({"کتاب": 12, "کتابی": 0})
    >>> table.count("کتاب"), table.count("کتابی"), table.count("کتا"), "کتابی" in table
    (12, 0, None, True)
    """

    __slots__ = ("_groups",)

    def __init__(self, groups: Sequence[str]) -> None:
        if not groups:
            raise ValueError("a word table needs at least one group")
        self._groups = tuple(groups)

    @classmethod
    def from_counts(cls, counts: Mapping[str, int] | Iterable[str], per_group: int = 48) -> WordTable:
        """A table of ``counts`` (word to count) or of bare words (each with count 0)."""
        items = list(counts.items() if isinstance(counts, Mapping) else ((word, 0) for word in counts))
        grouped: list[list[tuple[str, int]]] = [[] for _ in range(max(1, len(items) // per_group))]
        for word, count in items:
            if "\n" in word or "\t" in word or count < 0:
                raise ValueError(f"cannot store {word!r} with count {count}")
            grouped[_checksum(word) % len(grouped)].append((word, count))
        return cls([
            "\n" + "".join(f"{word}\n" if count == 0 else f"{word}\t{count}\n"
                           for word, count in sorted(entries))
            for entries in grouped
        ])

    @property
    def groups(self) -> tuple[str, ...]:
        """The stored groups (to save them)."""
        return self._groups

    def count(self, word: str) -> int | None:
        """The word's count (0 when it has none), or ``None`` when the word is not in the table."""
        if "\n" in word or "\t" in word:
            return None
        group = self._groups[_checksum(word) % len(self._groups)]
        # Entries are sorted, so a word comes before every longer word it begins.
        at = group.find("\n" + word)
        if at < 0:
            return None
        end = at + 1 + len(word)
        if end == len(group):  # the empty word, in a group of no words
            return None
        if group[end] == "\n":
            return 0
        if group[end] != "\t":
            return None
        return int(group[end + 1 : group.index("\n", end)])

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.count(word) is not None

    def __len__(self) -> int:
        return sum(group.count("\n") - 1 for group in self._groups)


def _checksum(word: str) -> int:
    """Which group a word is in: stable across runs and machines (unlike ``hash``)."""
    return zlib.crc32(word.encode("utf-8"))


@record
class HazmData:
    """Everything hazm's ``Normalizer(correct_spacing=False)`` reads, as plain values."""

    hazm_version: str
    translation: tuple[str, str]  # TRANSLATION_SRC, TRANSLATION_DST
    numbers: tuple[str, str]  # NUMBERS_SRC, NUMBERS_DST
    persian_style: _Pairs  # (pattern, replacement), in hazm's order
    diacritics: _Pairs
    specials: _Pairs
    unicode_replacements: _Pairs  # (old, new) literal replacements
    affix_spacing: _Pairs
    repeated_chars: str  # a word holding a letter three or more times in a row
    more_than_two_repeat: str  # one such run of a letter
    words: WordTable
    verbs: WordTable

    def to_bytes(self) -> bytes:
        """The data as one document of plain dicts, lists and strings, in ``marshal``'s format (read
        in a third of the time JSON took: every word group's newlines were escaped there)."""
        document = {
            "format": FORMAT_VERSION, "hazm": self.hazm_version,
            "translation": self.translation, "numbers": self.numbers,
            "persian_style": self.persian_style, "diacritics": self.diacritics,
            "specials": self.specials, "unicode_replacements": self.unicode_replacements,
            "affix_spacing": self.affix_spacing, "repeated_chars": self.repeated_chars,
            "more_than_two_repeat": self.more_than_two_repeat,
            "words": pack_strings(self.words.groups, _SEPARATOR),
            "verbs": pack_strings(self.verbs.groups, _SEPARATOR),
        }
        return marshal.dumps(document)

    @classmethod
    def from_bytes(cls, blob: bytes) -> HazmData:
        """Data written by :meth:`to_bytes`; ``ValueError`` if ``blob`` is not such a document (each
        value's type is checked: a file in the cache folder is all this trusts)."""
        try:
            doc = marshal.loads(blob)
            if doc["format"] not in (FORMAT_VERSION, 3):  # 3: groups as strings (read to upgrade)
                raise ValueError(f"format {doc['format']!r}, expected {FORMAT_VERSION}")
            if doc["format"] == FORMAT_VERSION:
                doc["words"] = unpack_strings(doc["words"], _SEPARATOR)
                doc["verbs"] = unpack_strings(doc["verbs"], _SEPARATOR)
            data = cls(
                hazm_version=_str(doc["hazm"]), translation=_pair(doc["translation"]),
                numbers=_pair(doc["numbers"]), persian_style=_pairs(doc["persian_style"]),
                diacritics=_pairs(doc["diacritics"]), specials=_pairs(doc["specials"]),
                unicode_replacements=_pairs(doc["unicode_replacements"]),
                affix_spacing=_pairs(doc["affix_spacing"]),
                repeated_chars=_str(doc["repeated_chars"]),
                more_than_two_repeat=_str(doc["more_than_two_repeat"]),
                words=WordTable(_groups(doc["words"])), verbs=WordTable(_groups(doc["verbs"])),
            )
        except (KeyError, TypeError, IndexError, EOFError, UnicodeDecodeError) as exc:
            raise ValueError(f"not a hazm data document: {exc!r}") from exc
        if len(data.translation[0]) != len(data.translation[1]) or not data.words.groups:
            raise ValueError("not a hazm data document: tables are incomplete")
        return data


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, found {type(value).__name__}")
    return value


def _pair(value: Any) -> tuple[str, str]:
    first, second = value
    return _str(first), _str(second)


def _pairs(value: Any) -> _Pairs:
    return tuple(_pair(item) for item in value)


def pack_strings(strings: Sequence[str], separator: str) -> bytes:
    """``strings`` joined by ``separator`` as UTF-16 (a cached table's words: decoded 25 times
    faster than UTF-8 Persian); ``ValueError`` if one of them holds the separator."""
    if any(separator in string for string in strings):
        raise ValueError(f"a string holds the separator {separator!r}")
    return separator.join(strings).encode("utf-16-le")


def unpack_strings(value: Any, separator: str) -> list[str]:
    """The strings :func:`pack_strings` packed (``TypeError`` if ``value`` is not bytes, a
    ``UnicodeDecodeError`` if it is not UTF-16)."""
    if not isinstance(value, bytes):
        raise TypeError("expected strings packed as bytes")
    return value.decode("utf-16-le").split(separator)


def _groups(value: Any) -> Sequence[str]:
    if not isinstance(value, (list, tuple)) or not value:
        raise TypeError("expected word groups")
    for group in value:
        if not (isinstance(group, str) and group[:1] == "\n" and group[-1:] == "\n"):
            raise TypeError("bad word group")
    return value


def hazm_package_dir() -> Path:
    """Where hazm is installed, found without importing it (``HazmUnavailable`` if it is not)."""
    spec = importlib.util.find_spec("hazm")
    if spec is None or spec.origin is None:
        raise HazmUnavailable("hazm is not installed; it is needed once to build the Persian tables")
    return Path(spec.origin).parent


def hazm_version(package_dir: Path) -> str:
    """hazm's version from its ``*.dist-info`` (``importlib.metadata`` costs 60 ms to import)."""
    for info in sorted(package_dir.parent.glob("hazm-*.dist-info")):
        with contextlib.suppress(OSError):
            for line in (info / "METADATA").read_text("utf-8").splitlines():
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
    import importlib.metadata

    return importlib.metadata.version("hazm")


def cache_path(cache_dir: Path, package_dir: Path, file_format: int = FORMAT_VERSION) -> Path:
    """The data file for the installed hazm: its version, plus a tag of its files' sizes and dates."""
    version = hazm_version(package_dir)
    stamps = [f"{file_format}", str(package_dir)]
    for name in _HAZM_FILES:
        stamp = file_stamp(str(package_dir / name))
        stamps.append(f"{name}:missing" if stamp is None else f"{name}:{stamp[0]}:{stamp[1]}")
    tag = f"{zlib.crc32('|'.join(stamps).encode('utf-8')):08x}"
    safe_version = "".join(ch if ch.isalnum() or ch in ".-" else "_" for ch in version)
    return cache_dir / f"hazm-{safe_version}-f{file_format}-{tag}.marshal"


def build_hazm_data() -> HazmData:
    """Read the tables and word lists from hazm itself (imports hazm: about 2 s, 280 MB)."""
    try:
        import hazm
        from hazm import constants as c
    except ImportError as exc:
        raise HazmUnavailable(f"hazm cannot be imported ({exc}); it is needed once to build "
                              "the Persian tables") from exc
    normalizer = hazm.Normalizer(correct_spacing=False)
    words: dict[str, tuple[int, Any]] = normalizer._words or {}
    verbs: set[str] = normalizer._verbs or set()
    return HazmData(
        hazm_version=hazm_version(hazm_package_dir()),
        translation=(c.TRANSLATION_SRC, c.TRANSLATION_DST),
        numbers=(c.NUMBERS_SRC, c.NUMBERS_DST),
        persian_style=_pairs(c.PERSIAN_STYLE_PATTERNS),
        diacritics=_pairs(c.DIACRITICS_PATTERNS),
        specials=_pairs(c.SPECIAL_CHARS_PATTERNS),
        unicode_replacements=_pairs(c.UNICODE_REPLACEMENTS),
        affix_spacing=_pairs(c.AFFIX_SPACING_PATTERNS),
        repeated_chars=normalizer.repeated_chars_pattern.pattern,
        more_than_two_repeat=normalizer.more_than_two_repeat_pattern.pattern,
        words=WordTable.from_counts({word: int(entry[0]) for word, entry in words.items()
                                     if _single_run(word)}),
        verbs=WordTable.from_counts(verb for verb in verbs if not _SPACE.search(verb)),
    )


def _single_run(word: str) -> bool:
    """Whether ``word`` has no space and no ZWNJ (the only words the steps ever look up)."""
    return not _SPACE_OR_ZWNJ.search(word)


def save(data: HazmData, path: Path) -> None:
    """Write ``data`` to ``path`` atomically (``narrator.atomic``: all or nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data.to_bytes())


def load_hazm_data(cache_dir: Path | None = None,
                   builder: Callable[[], HazmData] | None = None) -> HazmData:
    """The data from the cache if built before, else built from hazm and cached.

    By default the build runs in a child interpreter, so that this process never holds hazm and
    nltk (about 280 MB that would stay in its peak memory); if that fails it runs here. A given
    ``builder`` is called here instead. A damaged cache file is rebuilt; a cache that cannot be
    written is not an error (the data is then built again next time).
    """
    folder, package = cache_dir or default_cache_dir(), hazm_package_dir()
    target = cache_path(folder, package)
    data = _read(target)
    if data is not None:
        return data
    data = _read(cache_path(folder, package, 3))  # an earlier narrator's file: written anew, not rebuilt
    if data is not None:
        with contextlib.suppress(OSError, ValueError):
            save(data, target)
        return data
    if builder is None and _build_in_child(target):
        data = _read(target)
        if data is not None:
            return data
    data = (builder or build_hazm_data)()
    with contextlib.suppress(OSError, ValueError):  # ValueError: a word group the format cannot hold
        save(data, target)
    return data


def _read(path: Path) -> HazmData | None:
    """The data saved at ``path``, or ``None`` if it is missing or damaged."""
    try:
        return HazmData.from_bytes(path.read_bytes())
    except (OSError, ValueError):
        return None


_CHILD_BUILD = """import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from narrator.text.hazm_data import build_hazm_data, save
save(build_hazm_data(), Path(sys.argv[2]))
"""


def _build_in_child(target: Path) -> bool:
    """Build and save the data file in a fresh interpreter; whether that worked."""
    import subprocess
    import sys

    package_root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD_BUILD, str(package_root), str(target)],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=600, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0

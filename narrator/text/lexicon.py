"""Pronunciation lexicons: a user's overrides and the built-in tables, in one simple format.

The format is UTF-8 text, one entry a line, ``written<TAB>spoken``. A written side that starts
with ``re:`` is a Python regular expression (its replacement may use ``\\1`` groups); any other
written side is a whole word or phrase. Blank lines and lines starting with ``#`` are ignored::

    # my.lexicon
    اوپک	اُپِک
    re:کد\\s*(\\d+)	کد شماره \\1

User entries are applied first, before any built-in rule, to the normalized written text (so
words match after Arabic letter variants and ZWNJ are fixed, and digits are Persian digits).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import field
from pathlib import Path

from narrator import regex
from narrator.errors import InputError
from narrator.record import record
from narrator.text.normalize import LETTERS, ZWNJ, normalize
from narrator.text.rules import Rule, lazy, spaced

REGEX_PREFIX = "re:"
_BEFORE = f"(?<![{LETTERS}{ZWNJ}\\w])"
_AFTER = f"(?![{LETTERS}{ZWNJ}\\w])"


@record
class Lexicon:
    """Word entries (written -> spoken) and ordered regex entries (pattern, replacement)."""

    words: dict[str, str] = field(default_factory=dict)
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()

    def rules(self, name: str = "lexicon") -> tuple[Rule, ...]:
        """The lexicon as rules: the regex entries in file order, then the word entries."""
        rules: list[Rule] = []
        for pattern, replacement in self.patterns:
            rules.append(Rule(name, "lexicon", pattern, _expander(replacement)))
        if self.words:
            keys = sorted(self.words, key=len, reverse=True)
            alternation = "|".join(re.escape(k) for k in keys)
            words = self.words
            rules.append(
                Rule(
                    name,
                    "lexicon",
                    lazy(f"{_BEFORE}(?:{alternation}){_AFTER}"),
                    lambda m: spaced(words[m.group(0)]),
                )
            )
        return tuple(rules)


def _expander(replacement: str) -> Callable[[re.Match[str]], str]:
    def expand(match: re.Match[str]) -> str:
        return spaced(match.expand(replacement))

    return expand


def _same_groups(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """A pattern matching empty text with the same groups as ``pattern``."""
    names = {index: name for name, index in pattern.groupindex.items()}
    return regex.compile(
        "".join(f"(?P<{names[i]}>)" if i in names else "()" for i in range(1, pattern.groups + 1))
    )


def parse_lexicon(text: str, name: str, normalize_keys: bool = True) -> Lexicon:
    """Parse lexicon ``text``; ``name`` is used in error messages (``name:line: problem``)."""
    words: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "\t" not in line:
            raise InputError(f"{name}:{number}: expected 'written<TAB>spoken', found no tab")
        written, spoken = (part.strip() for part in line.split("\t", 1))
        if not written:
            raise InputError(f"{name}:{number}: the written side is empty")
        if "\t" in spoken:
            raise InputError(f"{name}:{number}: more than one tab; expected 'written<TAB>spoken'")
        if written.startswith(REGEX_PREFIX):
            source = written[len(REGEX_PREFIX) :]
            try:
                pattern = regex.compile(source)
            except re.error as exc:
                raise InputError(f"{name}:{number}: bad regular expression: {exc}") from exc
            if pattern.search("") is not None:
                raise InputError(f"{name}:{number}: the regular expression matches empty text")
            try:
                _same_groups(pattern).sub(spoken, "")  # checks the replacement's \\1 references
            except (re.error, IndexError) as exc:
                raise InputError(f"{name}:{number}: bad replacement: {exc}") from exc
            patterns.append((pattern, spoken))
        else:
            key = normalize(written) if normalize_keys else written
            if not key:
                raise InputError(f"{name}:{number}: the written side has nothing readable")
            words[key] = spoken
    return Lexicon(words=words, patterns=tuple(patterns))


def load_lexicon(path: Path) -> Lexicon:
    """Read a user lexicon file; a missing or malformed file raises InputError naming the line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the lexicon ({exc.strerror or exc})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: the lexicon is not UTF-8 text") from exc
    return parse_lexicon(text, str(path))


def builtin_table(filename: str) -> dict[str, str]:
    """A built-in ``written<TAB>spoken`` table from ``narrator/text/data`` (keys as written)."""
    text = (Path(__file__).parent / "data" / filename).read_text("utf-8")  # the package's own data
    return parse_lexicon(text, filename, normalize_keys=False).words

"""The rule machinery: a rule is a name, a category, a compiled pattern and a replacement function.

Every spoken-form step is a rule, so ``narrator text --explain`` can say for each replacement which
rule made it and why. Rules are applied in order; each sees the text the previous rules left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from narrator import regex
from narrator.record import record

Replace = Callable[[re.Match[str]], str | None]


class LazyPattern:
    """A regular expression compiled when it is first used.

    Most rules never run on a given article (their pre-check, ``Rule.needs``, finds nothing), and
    the dates' and quantities' patterns are the largest narrator has: compiling those 24 at import
    took about 16 ms. Two threads using one first may both compile it; either result is the same.
    """

    __slots__ = ("_compiled", "_flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = regex.compile(self.pattern, self._flags)
        return self._compiled

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def search(self, string: str) -> re.Match[str] | None:
        return self.compiled.search(string)

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string)


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    """``regex.compile(pattern, flags)``, compiled on first use (a rule's pattern)."""
    return LazyPattern(pattern, flags)


@record
class Replacement:
    """One replacement made while reading a sentence: ``original`` became ``spoken`` by ``rule``."""

    rule: str
    category: str
    original: str
    spoken: str


@record
class Rule:
    """A named rewrite: each match of ``pattern`` becomes ``replace(match)``.

    ``replace`` may return ``None`` to leave a match as it is (when context shows the rule does not
    apply). ``needs`` is a cheap pre-check: when set, the rule only runs on text that contains one
    of those characters (most rules need a digit), which keeps the pipeline fast.
    """

    name: str
    category: str
    pattern: re.Pattern[str] | LazyPattern
    replace: Replace
    needs: re.Pattern[str] | None = None

    def apply(self, text: str, record: list[Replacement] | None = None) -> str:
        """Rewrite ``text``; append each replacement to ``record`` when one is given."""
        if self.needs is not None and not self.needs.search(text):
            return text

        def substitute(match: re.Match[str]) -> str:
            result = self.replace(match)
            if result is None:
                return match.group(0)
            if record is not None and result != match.group(0):
                record.append(Replacement(self.name, self.category, match.group(0), result.strip()))
            return result

        return self.pattern.sub(substitute, text)


def apply_rules(rules: Iterable[Rule], text: str, record: list[Replacement] | None = None) -> str:
    """Apply ``rules`` in order to ``text``."""
    for rule in rules:
        text = rule.apply(text, record)
    return text


def spaced(words: str) -> str:
    """Words set off by spaces so they never glue to a neighbour (``۵۰هزار`` -> ``پنجاه هزار``)."""
    return f" {words} "

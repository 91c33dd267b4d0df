"""The rule machinery: a rule is a name, a category, a compiled pattern and a replacement function.

Every spoken-form step is a rule, so ``narrator text --explain`` can say for each replacement which
rule made it and why. Rules are applied in order; each sees the text the previous rules left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Replace = Callable[[re.Match[str]], str | None]


@dataclass(frozen=True)
class Replacement:
    """One replacement made while reading a sentence: ``original`` became ``spoken`` by ``rule``."""

    rule: str
    category: str
    original: str
    spoken: str


@dataclass(frozen=True)
class Rule:
    """A named rewrite: each match of ``pattern`` becomes ``replace(match)``.

    ``replace`` may return ``None`` to leave a match as it is (when context shows the rule does not
    apply). ``needs`` is a cheap pre-check: when set, the rule only runs on text that contains one
    of those characters (most rules need a digit), which keeps the pipeline fast.
    """

    name: str
    category: str
    pattern: re.Pattern[str]
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

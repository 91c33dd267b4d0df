"""Scoring ezafe marking against a hand-annotated gold set (used by tests and the benchmark).

Gold format: one sentence per line, ``+`` right after each word that takes the ezafe, ``#``
comments and blank lines ignored (``tests/ezafe/gold.txt`` documents it in its header).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from narrator.text.ezafe import Token, tokenize

GOLD_MARK = "+"


@dataclass(frozen=True)
class GoldSentence:
    """A sentence as the tagger sees it, and for each of its tokens whether it takes the ezafe."""

    text: str
    tokens: tuple[Token, ...]
    ezafe: tuple[bool, ...]


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 over the words that take the ezafe."""

    true_positive: int
    false_positive: int
    false_negative: int

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 0.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "tp": self.true_positive, "fp": self.false_positive,
                "fn": self.false_negative}


def parse_gold_line(line: str) -> GoldSentence:
    """One annotated line as a :class:`GoldSentence`; ``ValueError`` if a ``+`` is misplaced."""
    text = line.replace(GOLD_MARK, "")
    tokens = tuple(tokenize(text))
    marked_ends: set[int] = set()
    removed = 0
    for index, char in enumerate(line):
        if char == GOLD_MARK:
            marked_ends.add(index - removed)
            removed += 1
    flags = tuple(t.is_word and t.end in marked_ends for t in tokens)
    if sum(flags) != len(marked_ends):
        raise ValueError(f"a {GOLD_MARK!r} does not follow a word in: {line}")
    return GoldSentence(text, tokens, flags)


def read_gold(path: Path) -> list[GoldSentence]:
    """Every annotated sentence of a gold file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_gold_line(line.strip()) for line in lines if line.strip() and not line.startswith("#")]


def score(gold: Iterable[GoldSentence], predict: Callable[[GoldSentence], Sequence[bool]]) -> Scores:
    """Compare ``predict``'s per-token flags with the gold flags, counting only ezafe words."""
    tp = fp = fn = 0
    for sentence in gold:
        predicted = predict(sentence)
        for want, got in zip(sentence.ezafe, predicted, strict=True):
            tp += want and got
            fp += got and not want
            fn += want and not got
    return Scores(tp, fp, fn)


def errors(gold: Iterable[GoldSentence], predict: Callable[[GoldSentence], Sequence[bool]]) -> list[str]:
    """One line per disagreement: ``+word`` missed or ``-word`` wrongly marked, with the sentence."""
    found: list[str] = []
    for sentence in gold:
        for token, want, got in zip(sentence.tokens, sentence.ezafe, predict(sentence), strict=True):
            if want != got:
                found.append(f"{'missed' if want else 'extra'} {token.text}: {sentence.text}")
    return found

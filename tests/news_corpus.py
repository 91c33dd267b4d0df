"""The real-news regression corpus (tests/corpus/news): loading and the ZWNJ repair listing."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from narrator.text import replacements

CORPUS = Path(__file__).parent / "corpus" / "news"
ARTICLES = CORPUS / "articles.jsonl"
LISTING = CORPUS / "zwnj_repairs.tsv"
ZWNJ = "\u200c"


@dataclass(frozen=True)
class NewsArticle:
    """One article as stored: where it came from, its title and its paragraphs."""

    source: str
    link: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        """The article as narrator reads it: the title line, then one line a paragraph."""
        return "\n".join((self.title, *self.paragraphs))


def articles() -> list[NewsArticle]:
    """Every article of the corpus, in file order."""
    found = []
    for line in ARTICLES.read_text("utf-8").splitlines():
        item = json.loads(line)
        found.append(NewsArticle(item["source"], item["link"], item["title"], tuple(item["paragraphs"])))
    return found


def repair_counts(texts: list[str]) -> Counter[tuple[str, str, str]]:
    """Every ZWNJ repair made while reading ``texts``: (kind, as found, repaired) -> how often."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for text in texts:
        for r in replacements(text):
            if r.category == "zwnj":
                counts[(r.rule, r.original, r.spoken)] += 1
    return counts


def format_listing(counts: Counter[tuple[str, str, str]], verdicts: dict[tuple[str, str], str]) -> str:
    """The listing file: kind, as found, repaired (ZWNJ shown as |), count, hand verdict."""
    lines = ["# Every ZWNJ repair narrator makes on tests/corpus/news/articles.jsonl as written.",
             "# kind<TAB>as found<TAB>repaired (| = ZWNJ)<TAB>count<TAB>verdict (ok/wrong, checked by hand)"]
    for (kind, old, new), count in sorted(counts.items()):
        shown = new.replace(ZWNJ, "|")
        lines.append(f"{kind}\t{old}\t{shown}\t{count}\t{verdicts.get((old, shown), '?')}")
    return "\n".join(lines) + "\n"


def read_listing() -> tuple[Counter[tuple[str, str, str]], dict[tuple[str, str], str]]:
    """The stored listing: its counts and its hand verdicts."""
    counts: Counter[tuple[str, str, str]] = Counter()
    verdicts: dict[tuple[str, str], str] = {}
    for line in LISTING.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, old, shown, count, verdict = line.split("\t")
            counts[(kind, old, shown.replace("|", ZWNJ))] = int(count)
            verdicts[(old, shown)] = verdict
    return counts, verdicts

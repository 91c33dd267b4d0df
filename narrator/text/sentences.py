"""Splitting a paragraph into sentences without breaking numbers or abbreviations."""

from __future__ import annotations

import re

# A sentence ends at . ! ? ؟ (and runs of them, and a closing quote or bracket after them),
# but not at a dot between two digits or between single letters of an abbreviation.
_END = re.compile(r"(?<![0-9۰-۹٠-٩])(?<!\b\w)[.!?؟…]+[»\")\]]*(?=\s|$)|(?<=[^\W\d_]{2})[.!?؟]+(?=[^\W\d_])")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph: ``'الف است. ب است'`` -> ``['الف است.', 'ب است']``."""
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(paragraph):
        piece = paragraph[start : match.end()].strip()
        if piece:
            sentences.append(piece)
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences

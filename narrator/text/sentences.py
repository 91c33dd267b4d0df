"""Splitting a paragraph into sentences, and a long sentence into pieces an engine accepts.

A sentence ends at ``. ! ? ؟ …`` (a run of them, with any closing quote or bracket after it), also
when the next sentence follows with no space (``است.سپس``), but not inside a number
(``۱۲.۵``), a link, an abbreviation from the table (``ج.ا.ا``, ``ه.ش``, ``ب.ظ.``) or after an
initial (``م. احمدی``, ``J. K.``). An ellipsis (``…``, ``...``) is a pause inside a sentence; it
ends one only at the end of the paragraph. ``؟!`` ends a sentence like ``؟``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from narrator.text.abbreviations import table
from narrator.text.normalize import LETTERS, ZWNJ

_CLOSERS = "»\"')]}”’"
_END = re.compile(f"[.!?؟…]+[{re.escape(_CLOSERS)}]*")
_ANY_END = re.compile("[.!?؟…]")
_WORD_BEFORE = re.compile(f"([A-Za-z{LETTERS}{ZWNJ}\\d]+)$")
_PROTECT = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[A-Za-z\d-]+(?:\.[A-Za-z\d-]+)+"
)
_CLAUSE = re.compile(r"(?<=[،؛:,])\s+")
_TITLES = frozenset({"دکتر", "مهندس", "آقای", "خانم", "سید", "Mr", "Mrs", "Dr", "St", "vs"})


@lru_cache(maxsize=1)
def _protect_pattern() -> re.Pattern[str]:
    """Links, e-mail addresses, dotted names and the table's dotted abbreviations, as one regex."""
    keys = sorted((k for k in table() if "." in k), key=len, reverse=True)
    abbreviations = "|".join(re.escape(k).replace(r"\.", r"\. ?") + r"\.?" for k in keys)
    return re.compile(f"{_PROTECT.pattern}|{abbreviations}")


def _protected(paragraph: str) -> list[tuple[int, int]]:
    return [m.span() for m in _protect_pattern().finditer(paragraph)]


def _is_end(paragraph: str, start: int, end: int) -> bool:
    """Whether the punctuation at ``start:end`` ends a sentence."""
    mark = paragraph[start:end]
    after = paragraph[end : end + 1]
    core = mark.rstrip(_CLOSERS)
    if core == "…" or (len(core) > 1 and set(core) <= {".", "…"}):
        return not paragraph[end:].strip()  # an ellipsis is a pause, unless it ends the paragraph
    if "." not in mark.rstrip(_CLOSERS) or len(mark.rstrip(_CLOSERS)) > 1:
        return after == "" or not after.isalnum() or after.isalpha()
    before = paragraph[start - 1 : start]
    if before.isdigit() and after.isdigit():
        return False  # a decimal or a dotted date
    word = _WORD_BEFORE.search(paragraph, 0, start)
    if word is not None:
        token = word.group(1)
        if (len(token) == 1 and token.isalpha()) or token in _TITLES:
            return False  # an initial (م. احمدی) or a title
    return after == "" or after.isspace() or (after.isalpha() and (before.isalpha() or before.isdigit()))


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph: ``'الف است. ب است'`` -> ``['الف است.', 'ب است']``."""
    if not _ANY_END.search(paragraph):
        return [paragraph.strip()] if paragraph.strip() else []
    protected = _protected(paragraph) if "." in paragraph else []
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(paragraph):
        if any(a <= match.start() < b for a, b in protected):
            continue
        if not _is_end(paragraph, match.start(), match.end()):
            continue
        piece = paragraph[start : match.end()].strip()
        if piece:
            sentences.append(piece)
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_for_engine(spoken: str, max_chars: int) -> list[str]:
    """Cut a spoken sentence into pieces of at most ``max_chars`` characters: at clause
    punctuation (``، ؛ : ,``) when it can, else between words, else inside a word.

    >>> split_for_engine("یک، دو، سه", 7)
    ['یک، دو،', 'سه']
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    spoken = spoken.strip()
    if len(spoken) <= max_chars:
        return [spoken] if spoken else []
    pieces: list[str] = []
    for clause in _CLAUSE.split(spoken):
        for part in _fit(clause, max_chars):
            if pieces and len(pieces[-1]) + 1 + len(part) <= max_chars:
                pieces[-1] = f"{pieces[-1]} {part}"
            else:
                pieces.append(part)
    return pieces


def _fit(clause: str, max_chars: int) -> list[str]:
    """One clause as pieces of at most ``max_chars``, cut between words (or inside a long word)."""
    if len(clause) <= max_chars:
        return [clause]
    pieces: list[str] = []
    for word in clause.split():
        chunks = [word[i : i + max_chars] for i in range(0, len(word), max_chars)]
        for chunk in chunks:
            if pieces and len(pieces[-1]) + 1 + len(chunk) <= max_chars:
                pieces[-1] = f"{pieces[-1]} {chunk}"
            else:
                pieces.append(chunk)
    return pieces

"""Splitting a paragraph into sentences, and a long sentence into pieces an engine accepts.

A sentence ends at ``. ! ? ؟ …`` (a run of them, with any closing quote or bracket after it), also
when the next sentence follows with no space (``است.سپس``), but not inside a number
(``۱۲.۵``), a link, an abbreviation from the table (``ج.ا.ا``, ``ه.ش``, ``ب.ظ.``) or after an
initial (``م. احمدی``, ``J. K.``). An ellipsis (``…``, ``...``) is a pause inside a sentence; it
ends one only at the end of the paragraph. ``؟!`` ends a sentence like ``؟``.

A sentence longer than :data:`LONG_SENTENCE` characters (a line with no sentence punctuation, say)
is cut into pieces of at most :data:`PIECE_CHARS` characters, each its own sentence: at clause
punctuation when it can, else before a conjunction, else between words. So what an engine receives,
each cue, and every step that works per sentence stay bounded whatever the line's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from narrator import regex
from narrator.text.abbreviations import table
from narrator.text.normalize import LETTERS, ZWNJ

_CLOSERS = "»\"')]}”’"
_END = regex.compile(f"[.!?؟…]+[{re.escape(_CLOSERS)}]*")
_ANY_END = regex.compile("[.!?؟…]")
_WORD_BEFORE = regex.compile(f"([A-Za-z{LETTERS}{ZWNJ}\\d]+)$")
_PROTECT = regex.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[A-Za-z\d-]+(?:\.[A-Za-z\d-]+)+"
)
_NON_SPACE = regex.compile(r"\S+")
_CLAUSE = regex.compile(r"(?<=[،؛:,])\s+")
#: Sentences longer than this are cut into pieces (news sentences are shorter; see the module doc).
LONG_SENTENCE = 500
#: The longest piece of a cut sentence: about six seconds of espeak at its default rate.
PIECE_CHARS = 70
#: A cut leaves at least this much before it when it looks for a better place than the last word.
_MIN_PIECE = 40
_CLAUSE_END = ("،", "؛", ":", ",", ";")
_CONJUNCTIONS = frozenset({"و", "یا", "اما", "ولی", "که", "تا", "زیرا", "چون", "سپس", "اگر", "هم"})
_TITLES = frozenset({"دکتر", "مهندس", "آقای", "خانم", "سید", "Mr", "Mrs", "Dr", "St", "vs"})


@lru_cache(maxsize=1)
def _protect_pattern() -> re.Pattern[str]:
    """Links, e-mail addresses, dotted names and the table's dotted abbreviations, as one regex."""
    keys = sorted((k for k in table() if "." in k), key=len, reverse=True)
    abbreviations = "|".join(re.escape(k).replace(r"\.", r"\. ?") + r"\.?" for k in keys)
    return regex.compile(f"{_PROTECT.pattern}|{abbreviations}")


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


def split_sentences(
    paragraph: str, long_sentence: int = LONG_SENTENCE, piece: int = PIECE_CHARS
) -> list[str]:
    """Sentences of one paragraph: ``'الف است. ب است'`` -> ``['الف است.', 'ب است']``.

    A sentence of more than ``long_sentence`` characters comes back cut into pieces of at most
    ``piece`` characters (see :func:`cut_long`).
    """
    return [part for sentence in _sentences(paragraph) for part in cut_long(sentence, long_sentence, piece)]


def _sentences(paragraph: str) -> list[str]:
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


def cut_long(sentence: str, long_sentence: int = LONG_SENTENCE, piece: int = PIECE_CHARS) -> list[str]:
    """``sentence`` alone, or, when longer than ``long_sentence``, its pieces of at most ``piece``
    characters, cut at clause punctuation, else before a conjunction, else between words (a word
    longer than ``piece`` is cut inside). The pieces joined by spaces are the sentence's words.
    Linear in the sentence's length.

    >>> cut_long("الف ب، پ ت و ث ج", 10, 12)
    ['الف ب،', 'پ ت و ث ج']
    """
    if len(sentence) <= long_sentence:
        return [sentence]
    pieces: list[str] = []
    words: list[str] = []
    size = -1  # length of " ".join(words)
    for word in _bounded_words(sentence, piece):
        if words and size + 1 + len(word) > piece:
            cut = _best_cut(words, min(_MIN_PIECE, piece // 2))
            pieces.append(" ".join(words[:cut]))
            words = words[cut:]
            size = len(" ".join(words)) if words else -1
        words.append(word)
        size += 1 + len(word)
    if words:
        pieces.append(" ".join(words))
    return pieces


def _bounded_words(sentence: str, piece: int) -> Iterator[str]:
    """The words of ``sentence``, a word longer than ``piece`` cut into ``piece``-sized parts."""
    for match in _NON_SPACE.finditer(sentence):
        word = match.group()
        for start in range(0, len(word), piece):
            yield word[start : start + piece]


def _best_cut(words: list[str], least: int) -> int:
    """How many of ``words`` the next piece takes: up to the last clause end, else up to the last
    conjunction, leaving at least ``least`` characters; else all of them."""
    for wanted in (lambda i: words[i - 1].endswith(_CLAUSE_END), lambda i: words[i] in _CONJUNCTIONS):
        length = len(" ".join(words))
        for index in range(len(words) - 1, 0, -1):
            length -= len(words[index]) + 1  # now the length of " ".join(words[:index])
            if length < least:
                break
            if wanted(index):
                return index
    return len(words)


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

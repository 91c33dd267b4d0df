"""From raw article text to an Article: paragraphs, sentences, written and spoken forms."""

from __future__ import annotations

import re
from functools import lru_cache

from narrator.errors import InputError
from narrator.model import Article, Paragraph, Sentence
from narrator.text.numbers import expand_numbers
from narrator.text.sentences import split_sentences

_NON_PROSE = re.compile(r"^\s*(منبع|source|لینک|link)\b.*$|^\s*\(?\+\)?\s*$|^\s*https?://\S+\s*$", re.I)
_HAS_LETTER = re.compile(r"[^\W\d_]")
TITLE_WORDS = 8


@lru_cache(maxsize=1)
def _normalizer() -> object:
    import hazm

    return hazm.Normalizer(correct_spacing=False)


def normalize_written(text: str) -> str:
    """The written form: Arabic letter variants, ZWNJ and spacing fixed by hazm."""
    normalizer = _normalizer()
    result: str = normalizer.normalize(text)  # type: ignore[attr-defined]
    return re.sub(r"[ \t]{2,}", " ", result).strip()


def speakable(written: str) -> str:
    """The spoken form of a written sentence: numerals and symbols as words."""
    return normalize_written(expand_numbers(written))


def is_prose(line: str) -> bool:
    """False for source lines, bare links and lines with no letters (``'منبع (+)'``)."""
    return bool(_HAS_LETTER.search(line)) and not _NON_PROSE.match(line)


def opening_words(text: str, count: int = TITLE_WORDS) -> str:
    """The first ``count`` words of ``text``, with an ellipsis when there are more."""
    words = text.split()
    head = " ".join(words[:count])
    return head + "…" if len(words) > count else head


def prepare(raw: str, title: str | None = None) -> Article:
    """Turn an article's text into paragraphs of sentences, each written and spoken."""
    lines = [line.strip() for line in raw.splitlines()]
    paragraphs: list[Paragraph] = []
    for line in lines:
        if not line or not is_prose(line):
            continue
        written = normalize_written(line)
        sentences = tuple(
            Sentence(written=s, spoken=spoken)
            for s in split_sentences(written)
            if (spoken := speakable(s))
        )
        if sentences:
            paragraphs.append(Paragraph(sentences))
    if not paragraphs:
        raise InputError("the article has no prose to narrate")
    chosen = title.strip() if title and title.strip() else opening_words(paragraphs[0].written)
    return Article(title=chosen, paragraphs=tuple(paragraphs))

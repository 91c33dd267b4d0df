"""From raw article text to an Article: paragraphs, sentences, written and spoken forms."""

from __future__ import annotations

import re

from narrator import regex
from narrator.blobcache import BlobCache
from narrator.errors import InputError
from narrator.model import Article, Paragraph, Sentence
from narrator.strings import clean_text
from narrator.text import memo
from narrator.text.lexicon import Lexicon
from narrator.text.normalize import normalize
from narrator.text.sentences import split_sentences
from narrator.text.spoken import speak

TITLE_WORDS = 8
HEADLINE_MAX_WORDS = 20
_SENTENCE_END = regex.compile(r"[.!?؟…:؛]\W*$")
_LINK = regex.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_CREDIT = regex.compile(
    r"^\W*(?:منبع|منابع|source|لینک|link|عکس|photo|تصویر|کد خبر|کد مطلب|شناسه خبر|برچسب(?:\u200cها|ها)?"
    r"|tags?|خبرنگار|گزارش از|ترجمه|ویرایش|اشتراک(?:\u200cگذاری)?|share)\s*[:：(\-–]",
    re.IGNORECASE,
)
_ONLY = regex.compile(r"^\W*(?:منبع|source|انتهای پیام|پایان پیام|لینک|link|ادامه مطلب|بیشتر بخوانید)\W*$",
                   re.IGNORECASE)
_HAS_LETTER = regex.compile(r"[^\W\d_]")


def is_prose(line: str) -> bool:
    """False for source and credit lines, bare links and lines with no letters (``'منبع (+)'``)."""
    if not _HAS_LETTER.search(line) or _ONLY.match(line) or _CREDIT.match(line):
        return False
    without_links = _LINK.sub(" ", line)
    return bool(_HAS_LETTER.search(without_links)) and len(without_links.split()) >= 2 - (
        not _LINK.search(line)
    )


def opening_words(text: str, count: int = TITLE_WORDS) -> str:
    """The first ``count`` words of ``text``, with an ellipsis when there are more."""
    words = text.split()
    head = " ".join(words[:count])
    return head + "…" if len(words) > count else head


def prose_lines(raw: str) -> list[str]:
    """The lines of ``raw`` that are prose, stripped (one paragraph each)."""
    return [line.strip() for line in raw.splitlines() if line.strip() and is_prose(line.strip())]


def prepare(
    raw: str, title: str | None = None, lexicon: Lexicon | None = None, cache: BlobCache | None = None
) -> Article:
    """Turn an article's text into paragraphs of sentences, each written and spoken.

    Each non-empty prose line is a paragraph; ``written`` is the normalized text a reader sees
    (digits kept), ``spoken`` what an engine receives. Sentences with nothing speakable are
    dropped, and so are paragraphs left empty. Each line is prepared on its own, so with a
    ``cache`` a line prepared before is read back instead (:mod:`narrator.text.memo`).
    """
    paragraphs: list[Paragraph] = []
    digest = memo.lexicon_digest(lexicon) if cache is not None else ""
    for line in prose_lines(raw):
        if cache is None:
            sentences = prepare_line(line, lexicon)
        else:
            sentences = _remembered_line(line, lexicon, cache, digest)
        if sentences:
            paragraphs.append(Paragraph(sentences))
    if not paragraphs:
        raise InputError("the article has no prose to narrate")
    if title and clean_text(title):
        chosen = clean_text(title)
    elif is_headline(paragraphs):
        chosen = paragraphs[0].written
    else:
        chosen = opening_words(paragraphs[0].written)
    return Article(title=chosen, paragraphs=tuple(paragraphs))


def prepare_line(line: str, lexicon: Lexicon | None = None) -> tuple[Sentence, ...]:
    """The sentences of one prose line, written and spoken (none: nothing to speak)."""
    return tuple(
        Sentence(written=written, spoken=spoken)
        for written in split_sentences(normalize(line))
        if (spoken := speak(written, lexicon))
    )


def _remembered_line(
    line: str, lexicon: Lexicon | None, cache: BlobCache, lexicon_digest: str
) -> tuple[Sentence, ...]:
    key = memo.paragraph_key(line, lexicon_digest)
    sentences = memo.recall(cache, key)
    if sentences is None:
        sentences = prepare_line(line, lexicon)
        memo.remember(cache, key, sentences)
    return sentences


def is_headline(paragraphs: list[Paragraph]) -> bool:
    """Whether the first paragraph is a headline: one short line, not ended like a sentence,
    with more text after it (``'افزایش ۱۲ درصدی قیمت نفت'`` above the article)."""
    if len(paragraphs) < 2 or len(paragraphs[0].sentences) != 1:
        return False
    first = paragraphs[0].written
    return len(first.split()) <= HEADLINE_MAX_WORDS and not _SENTENCE_END.search(first)

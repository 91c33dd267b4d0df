"""Text as it comes from the web: HTML entities decoded, emoji dropped, hashtags read as words,
mentions and footnote markers (``[12]``, ``[xiv]``) not read, and Latin tokens kept as written
in the transcript.

>>> clean("AT&amp;T و خانه&zwnj;ها 😀")
'AT&T و خانه\u200cها '
"""

from __future__ import annotations

import html
import re

from narrator import regex
from narrator.text.rules import Rule

_ENTITY = regex.compile(r"&(?:#\d{1,7}|#[xX][\da-fA-F]{1,6}|[A-Za-z][A-Za-z\d]{1,31});")
_EMOJI = regex.compile(
    "[\U0001f000-\U0001faff\U0001f1e6-\U0001f1ff\u2600-\u27bf\u2b00-\u2bff\u231a\u231b"
    "\u23e9-\u23fa\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f]"
)
_LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
# A Latin token with digits glued to it or joined by a dash: ``G20``, ``F-35``, ``Su-57``, ``5G``.
_LATIN_WITH_DIGITS = regex.compile(
    r"(?<![A-Za-z\d۰-۹])(?:[A-Za-z]+-?[\d۰-۹]+(?:[A-Za-z\d۰-۹-]*[A-Za-z\d۰-۹])?|[\d۰-۹]+[A-Za-z]+)"
    r"(?![A-Za-z\d۰-۹])"
)
# A model number after a Latin name: ``iPhone 15``, ``Windows 11``, ``PlayStation 5``.
_MODEL_NUMBER = regex.compile(r"(?<=[A-Za-z]{2} )[۰-۹]{1,3}(?![\d۰-۹٫.,٬/:])")
# A footnote marker: ``[12]``, ``[۳]``, ``[xiv]``.
_FOOTNOTE = regex.compile(r"\[(?:[\d]{1,3}|[ivxlc]{1,7}|[IVXLC]{1,7})\]")
_HASHTAG = regex.compile(r"(?<![\w&])#([^\W\d_][\w\u200c]*)")
_MENTION = regex.compile(r"(?<![\w.@])@[A-Za-z\d_](?:[A-Za-z\d_.]*[A-Za-z\d_])?")


def decode_entities(text: str) -> str:
    """HTML entities as the characters they stand for: ``'&amp;'`` -> ``'&'``,
    ``'&zwnj;'`` -> ZWNJ, ``'&#1575;'`` -> ``'ا'`` (a bare ``&`` is left alone)."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)


def drop_emoji(text: str) -> str:
    """Emoji, pictographs and their modifiers removed: ``'سلام 👋🏽'`` -> ``'سلام '``."""
    return _EMOJI.sub("", text)


def clean(text: str) -> str:
    """Entities decoded and emoji dropped (the first step of normalization)."""
    return drop_emoji(decode_entities(text))


def latin_digits(text: str) -> str:
    """Digits inside a Latin token, or a model number after a Latin name, back in Latin script
    as written: ``'G۲۰'`` -> ``'G20'``, ``'iPhone ۱۵'`` -> ``'iPhone 15'``.

    hazm writes every digit in Persian; a model or code name keeps its own digits in the
    transcript (its spoken form is the same either way).
    """
    if not re.search("[A-Za-z]", text):
        return text
    text = _LATIN_WITH_DIGITS.sub(lambda m: m.group(0).translate(_LATIN_DIGITS), text)
    return _MODEL_NUMBER.sub(lambda m: m.group(0).translate(_LATIN_DIGITS), text)


def _hashtag(match: re.Match[str]) -> str:
    """The hashtag's words, a space before them; none after, so what follows (``#تگ.ا.ا``: a dot,
    an abbreviation) is left as written."""
    return " " + match.group(1).replace("_", " ")


RULES = (
    Rule("footnote", "web", _FOOTNOTE, lambda m: " ", needs=regex.compile(r"\[")),
    Rule("hashtag", "web", _HASHTAG, _hashtag, needs=regex.compile("#")),
    Rule("mention", "web", _MENTION, lambda m: " ", needs=regex.compile("@")),
)

__all__ = ["RULES", "clean", "decode_entities", "drop_emoji", "latin_digits"]

"""User-supplied strings made safe to publish: one function for cli, tags, pages and the feed.

Titles, album names, sources, authors, descriptions and URLs come from the command line (or a
file's name) and end up in ID3 tags, HTML, JSON and RSS. They are normalized like article text
(NFC, Arabic letter forms to Persian ones, no bidi or other invisible controls) and stripped of every
character XML 1.0 forbids, so no option can make feed.xml ill-formed or reverse a title's direction.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from argparse import Namespace
from collections.abc import Iterable

from narrator import regex
from narrator.errors import InputError

#: Options whose values are published text (argparse destinations).
USER_STRINGS = ("title", "album", "source", "author", "description", "base_url", "image")
#: Options only checked for valid UTF-8 (the text to speak, engine settings).
CHECKED_STRINGS = ("text", "voice", "lang", "engine")

# Characters XML 1.0 forbids (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF)
# and the C1 controls it discourages.
_XML_FORBIDDEN = regex.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Bidi embeddings, overrides and isolates, marks, BOM, zero-width space and the Arabic letter mark.
_INVISIBLE = regex.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u00ad]")
_VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
_SPACE = regex.compile(r"\s+")


def repair_surrogates(text: str) -> str:
    """``text`` with bytes that were not UTF-8 (kept by ``surrogateescape``) shown as U+FFFD.

    >>> repair_surrogates("bad\\udcff.txt")
    'bad\\ufffd.txt'
    """
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
        return re.sub("[\ud800-\udfff]", "\ufffd", text)


def quote_name(name: str) -> str:
    """A file name percent-encoded for a URL, from its bytes (a name that is not UTF-8 included).

    >>> quote_name("خبر یک.mp3"), quote_name("bad\udcff.mp3")
    ('%D8%AE%D8%A8%D8%B1%20%DB%8C%DA%A9.mp3', 'bad%FF.mp3')
    """
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = repair_surrogates(name).encode("utf-8")
    return urllib.parse.quote(raw)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (and C1 controls); the rest kept as is.

    >>> xml_safe("a\\x00b\\uffffc\\x1bd")
    'abcd'
    """
    return _XML_FORBIDDEN.sub("", text)


def clean_text(text: str) -> str:
    """A one-line published string: NFC, Persian letter forms, no invisible or forbidden characters.

    >>> clean_text("  \\u202eخبر  كوتاه\\x07\\n ")
    'خبر کوتاه'
    """
    text = unicodedata.normalize("NFC", repair_surrogates(text)).translate(_VARIANTS)
    text = _INVISIBLE.sub("", xml_safe(text.replace("\n", " ").replace("\t", " ")))
    return _SPACE.sub(" ", text).strip()


def has_invalid_utf8(text: str) -> bool:
    """True when ``text`` holds surrogates: bytes from the command line that were not UTF-8."""
    return any("\ud800" <= char <= "\udfff" for char in text)


def checked_option(value: str, flag: str) -> str:
    """``value`` cleaned, or InputError when it was not valid UTF-8 on the command line."""
    if has_invalid_utf8(value):
        raise InputError(f"{flag} is not valid UTF-8: {repair_surrogates(value)!r}")
    return clean_text(value)


def clean_options(
    args: Namespace, names: Iterable[str] = USER_STRINGS, checked: Iterable[str] = CHECKED_STRINGS
) -> None:
    """Clean, in place, the string options of ``args`` in ``names``; check those in ``checked``.

    InputError (one line, before any work) when one of them was not valid UTF-8.
    """
    for name in names:
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, checked_option(value, "--" + name.replace("_", "-")))
    for name in checked:
        value = getattr(args, name, None)
        if isinstance(value, str) and has_invalid_utf8(value):
            raise InputError(f"{name} is not valid UTF-8: {repair_surrogates(value)!r}")


__all__ = [
    "CHECKED_STRINGS",
    "USER_STRINGS",
    "checked_option",
    "clean_options",
    "clean_text",
    "has_invalid_utf8",
    "quote_name",
    "repair_surrogates",
    "xml_safe",
]

"""Reading an article's bytes into text, refusing what is not a text article."""

from __future__ import annotations

from narrator import regex
from narrator.errors import InputError

_PERSIAN_LETTER = regex.compile("[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]")
_CONTROL = regex.compile("[\x00-\x08\x0e-\x1f\x7f]")


def decode_article(data: bytes, name: str) -> str:
    """Decode an article's bytes; refuse empty, binary or undecodable input with a clear message.

    The caller bounds the size (narrator.sources reads every input under a cap).
    """
    text = _decode(data, name)
    if _CONTROL.search(text):
        raise InputError(f"{name}: looks like a binary file, not UTF-8 text")
    if not text.strip():
        raise InputError(f"{name}: is empty; there is nothing to narrate")
    if not _PERSIAN_LETTER.search(text):
        raise InputError(f"{name}: has no Persian letters; narrator reads Persian articles")
    return text


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: has a UTF-16 mark but is not valid UTF-16") from exc
    if b"\x00" in data:
        raise InputError(f"{name}: looks like a binary file, not UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Windows-1256 is the common legacy encoding of Persian text. Accept it only when the result
    # reads as Arabic-script text, so that other binary data is still refused.
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: is neither UTF-8 nor Windows-1256 text") from exc
    letters = sum(1 for ch in text if ch.isalpha())
    persian = len(_PERSIAN_LETTER.findall(text))
    if letters == 0 or persian / letters < 0.5:
        raise InputError(f"{name}: is not UTF-8 text (and does not read as Windows-1256 Persian)")
    return text

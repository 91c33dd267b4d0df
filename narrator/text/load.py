"""Reading an article's bytes into text, refusing what is not a text article."""

from __future__ import annotations

import re
from pathlib import Path

from narrator.errors import InputError

_PERSIAN_LETTER = re.compile("[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
MAX_BYTES = 50 * 1024 * 1024


def read_article(path: Path) -> str:
    """Read the article file at ``path`` as text (UTF-8, UTF-16 with a BOM, or Windows-1256).

    A plain helper for scripts; narrator's commands read their inputs through narrator.sources.
    """
    if str(path) == "-":
        raise InputError("'-' (standard input) must be read by the caller")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not an article file")
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_BYTES:
        raise InputError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; is it an article?")
    return decode_article(data, str(path))


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

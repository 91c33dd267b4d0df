"""Cover art for the ID3 tag: a JPEG or PNG file, recognized by its first bytes, not its name."""

from __future__ import annotations

from pathlib import Path

from narrator.errors import InputError
from narrator.record import record

MAX_COVER_BYTES = 8 * 1024 * 1024
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


@record
class Cover:
    """An image's bytes and its MIME type."""

    data: bytes
    mime: str


def image_mime(data: bytes) -> str | None:
    """``'image/jpeg'`` or ``'image/png'`` when ``data`` starts like one, else None.

    >>> image_mime(b"\\x89PNG\\r\\n\\x1a\\n...")
    'image/png'
    """
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    return None


def load_cover(path: Path) -> Cover:
    """Read the cover image at ``path``; InputError if it is missing, too large or not JPEG/PNG."""
    if not path.is_file():
        raise InputError(f"{path}: no such cover image file")
    try:
        size = path.stat().st_size
        if size > MAX_COVER_BYTES:
            raise InputError(f"{path}: the cover image is larger than {MAX_COVER_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: the cover image cannot be read ({exc.strerror or exc})") from exc
    mime = image_mime(data)
    if mime is None:
        raise InputError(f"{path}: the cover is not a JPEG or PNG image")
    return Cover(data=data, mime=mime)

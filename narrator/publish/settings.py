"""What a narration is published with: the user's settings and where the article came from.

Small and free of the tag, manifest and page machinery, so the command line and the pipeline can
name them at start-up while :mod:`narrator.publish.episode` and its modules load later, on a thread
of their own, while synthesis and encoding keep the interpreter idle.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from narrator.record import record

DEFAULT_ALBUM = "narrator"
DEFAULT_AUTHOR = "narrator"  # a feed's author when none is given


@record
class PublishSettings:
    """What a user may say about the published narration."""

    album: str = DEFAULT_ALBUM
    source: str | None = None  # source text or URL for the comment; default: the input file's name
    cover: Path | None = None
    created: datetime | None = None  # publication time; None: when the narration finishes


@record
class SourceInfo:
    """The narrated input: a label (file name, URL or ``--source`` text), the SHA-256 of what was
    narrated (a text file's bytes; a web page's extracted article text), and, for a web page, its
    address and what it says about the article (absent in manifests of text files)."""

    name: str
    sha256: str
    url: str | None = None
    published: str | None = None  # the article's date as the page gives it (``2024-05-01``)
    author: str | None = None
    site: str | None = None

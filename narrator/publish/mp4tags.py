"""iTunes-style MP4 tags for ``.m4b``/``.m4a`` narrations (mutagen.mp4): title, artist, album,
date, genre, comment, encoder, lyrics (the full text) and cover art. The chapters are written by
the encoder (a chapter track and Nero ``chpl``), which mutagen keeps when it saves.
"""

from __future__ import annotations

from pathlib import Path

from mutagen.mp4 import MP4, MP4Cover

from narrator.publish.id3 import TagInfo

MEDIA_KIND_AUDIOBOOK = 2  # ``stik``: how Apple's players file the item
MEDIA_KIND_MUSIC = 1


def write_mp4_tags(path: Path, info: TagInfo, audiobook: bool) -> None:
    """Replace the tags of the MP4 file at ``path`` with ``info``."""
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    assert tags is not None
    tags.clear()
    tags["\xa9nam"] = [info.title]
    tags["\xa9too"] = [info.encoder]
    optional = {
        "\xa9ART": info.artist, "\xa9alb": info.album, "\xa9day": info.date, "\xa9gen": info.genre,
        "\xa9cmt": info.comment, "\xa9lyr": info.lyrics,
    }
    for key, value in optional.items():
        if value:
            tags[key] = [value]
    tags["stik"] = [MEDIA_KIND_AUDIOBOOK if audiobook else MEDIA_KIND_MUSIC]
    if info.cover is not None:
        kind = MP4Cover.FORMAT_PNG if info.cover.mime == "image/png" else MP4Cover.FORMAT_JPEG
        tags["covr"] = [MP4Cover(info.cover.data, imageformat=kind)]
    audio.save()

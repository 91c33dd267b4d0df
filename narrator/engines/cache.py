"""Synthesized clips cached per (engine settings, sentence text) in the shared blob cache."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

from narrator.blobcache import BlobCache
from narrator.engines.base import Engine
from narrator.model import Clip, WordTime

_MAGIC = b"NRC2"
_KIND = "clip"


def _encode(clip: Clip) -> bytes:
    header = json.dumps(
        {
            "rate": clip.sample_rate,
            "words": [[w.text, w.start_ms, w.end_ms] for w in clip.words],
            "bytes": len(clip.pcm),
            "crc32": zlib.crc32(clip.pcm),
        },
        ensure_ascii=False,
    ).encode("utf-8")
    return _MAGIC + len(header).to_bytes(4, "little") + header + clip.pcm


def _decode(data: bytes) -> Clip | None:
    if not data.startswith(_MAGIC) or len(data) < 8:
        return None
    size = int.from_bytes(data[4:8], "little")
    try:
        header = json.loads(data[8 : 8 + size])
        words = tuple(WordTime(str(t), int(s), int(e)) for t, s, e in header["words"])
        pcm = data[8 + size :]
        if len(pcm) != int(header["bytes"]) or zlib.crc32(pcm) != int(header["crc32"]):
            return None  # truncated or damaged on disk: synthesized again
        return Clip(pcm=pcm, sample_rate=int(header["rate"]), words=words)
    except (ValueError, KeyError, TypeError):
        return None


class ClipCache(BlobCache):
    """Synthesized clips, addressed by a hash of the engine's settings and the text."""

    @staticmethod
    def clip_key(settings: str, text: str) -> str:
        return BlobCache.key("clip", settings, text)

    def get_clip(self, key: str) -> Clip | None:
        """The cached clip for ``key``, or None (a damaged entry counts as missing)."""
        data = self.get(key, _KIND)
        return None if data is None else _decode(data)

    def put_clip(self, key: str, clip: Clip) -> None:
        self.put(key, _KIND, _encode(clip))


@dataclass
class CachedEngine:
    """An engine whose clips are looked up in a ClipCache before being synthesized."""

    inner: Engine
    cache: ClipCache
    hits: int = 0
    misses: int = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def max_chars(self) -> int:
        return self.inner.max_chars

    @property
    def online(self) -> bool:
        return self.inner.online

    @property
    def languages(self) -> frozenset[str]:
        return self.inner.languages

    @property
    def reads_through_espeak(self) -> bool:
        return self.inner.reads_through_espeak

    @property
    def voice_label(self) -> str:
        return self.inner.voice_label

    def available(self) -> str | None:
        return self.inner.available()

    def probe(self) -> str | None:
        return self.inner.probe()

    def settings_key(self) -> str:
        return self.inner.settings_key()

    def synthesize(self, text: str) -> Clip:
        key = ClipCache.clip_key(self.inner.settings_key(), text)
        clip = self.cache.get_clip(key)
        if clip is not None:
            self.hits += 1
            return clip
        self.misses += 1
        clip = self.inner.synthesize(text)
        self.cache.put_clip(key, clip)
        return clip

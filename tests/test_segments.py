"""Paragraphs encoded as separate MP3 segments, joined into one file with one exact Info frame."""

from __future__ import annotations

import functools
import os
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3

from narrator.audio.encoder import encode_segment, encode_streams
from narrator.audio.segments import (
    FRAME_SAMPLES,
    GROUP,
    SegmentSource,
    crc16,
    crc16_combine,
    parse_segment,
    write_segmented,
)
from narrator.audio_settings import EncodeSettings
from narrator.blobcache import BlobCache
from tests.audio_check import decode_mp3

RATE = 22050


def tone(seconds: float, hz: float = 440.0) -> bytes:
    t = np.arange(round(RATE * seconds)) / RATE
    quiet = np.zeros(RATE // 5)
    wave = np.concatenate([quiet, 0.3 * np.sin(2 * np.pi * hz * t), quiet])
    return (wave * 32767).astype("<i2").tobytes()


def test_crc16_combine_equals_the_crc_of_the_joined_bytes() -> None:
    rng = random.Random(7)
    for _ in range(100):
        a, b = os.urandom(rng.randint(0, 500)), os.urandom(rng.randint(0, 5000))
        assert crc16_combine(crc16(a), crc16(b), len(b)) == crc16(a + b)
    for size in (1 << 17, 300_001):  # a segment's length: operators for 17 and 18 powers of two
        a, b = os.urandom(97), os.urandom(size)
        assert crc16_combine(crc16(a), crc16(b), len(b)) == crc16(a + b)


def test_a_segment_reads_back_its_lame_tag() -> None:
    pcm = tone(1.0)
    segment = parse_segment(encode_segment(pcm, RATE, EncodeSettings()))
    assert segment.samples == 2 * len(pcm) // 2  # 22050 Hz in, 44100 Hz out
    assert segment.music_crc == crc16(segment.audio)
    assert segment.delay > 0 and 0 <= segment.padding < FRAME_SAMPLES + segment.delay


def test_joined_file_decodes_to_exactly_the_layout(tmp_path: Path) -> None:
    parts = [tone(1.0, 300), tone(0.7, 500), tone(1.3, 700)]
    path = tmp_path / "joined.mp3"
    sources = [SegmentSource(str(n), functools.partial(bytes, p)) for n, p in enumerate(parts)]
    layout = write_segmented(path, sources, RATE, EncodeSettings(), workers=2)
    audio = decode_mp3(path)
    assert len(audio) == layout.total_samples
    info = MP3(path).info
    assert info is not None and round(info.length * 44100) == layout.total_samples
    for place in layout.placements:
        # each part starts with 0.2 s of silence, then its tone
        onset = place.content + 2 * (RATE // 5)
        window = np.abs(audio[onset - 400 : onset + 400].astype(np.int32))
        assert window[:300].max() < 300 and window[500:].max() > 5000
    assert layout.placements[0].start == 0
    assert [p.start for p in layout.placements] == sorted(p.start for p in layout.placements)


def test_cached_segments_are_reused(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache")
    calls: list[int] = []

    def source(n: int) -> bytes:
        calls.append(n)
        return tone(0.5, 200 + 100 * n)

    first = tmp_path / "a.mp3"
    sources = [SegmentSource(f"tone {n}", functools.partial(source, n)) for n in range(3)]
    write_segmented(first, sources, RATE, EncodeSettings(), cache)
    assert cache.info().entries == 3 and sorted(calls) == [0, 1, 2]  # made in parallel
    second = tmp_path / "b.mp3"
    write_segmented(second, sources, RATE, EncodeSettings(), cache)
    assert cache.info().entries == 3 and len(calls) == 3, "no audio was made or encoded again"
    assert first.read_bytes() == second.read_bytes()
    key = sorted((tmp_path / "cache").glob("??/*.mp3"))[0].name.removesuffix(".mp3")
    cache.put(key, "mp3", b"sealed, but no MP3")  # whole as an entry, not as a segment: made again
    third = tmp_path / "c.mp3"
    write_segmented(third, sources, RATE, EncodeSettings(), cache)
    assert len(calls) == 4 and third.read_bytes() == first.read_bytes()


def test_streams_encoded_together_are_the_bytes_each_gets_alone() -> None:
    """One encoder process for several streams (fed in pieces of odd sizes, one of them empty of
    pieces but a whole bytes object): each stream's MP3 is the one it gets encoded alone."""
    parts = [tone(0.9, 300), tone(2.1, 500), bytes(2 * 1000), tone(0.3, 900)]

    def pieces(pcm: bytes) -> Iterator[bytes]:
        for at in range(0, len(pcm), 12345):
            yield pcm[at : at + 12345]

    streams: list[bytes | Iterator[bytes]] = [parts[0], pieces(parts[1]), parts[2], pieces(parts[3])]
    together = encode_streams(streams, RATE, EncodeSettings())
    assert together == [encode_segment(p, RATE, EncodeSettings()) for p in parts]
    assert encode_streams([], RATE, EncodeSettings()) == []


def test_a_stream_that_fails_to_be_made_fails_the_encoding() -> None:
    def broken() -> Iterator[bytes]:
        yield tone(0.2)
        raise OSError("the spool could not be read")

    with pytest.raises(OSError, match="spool"):
        encode_streams([tone(0.5), broken(), tone(0.4)], RATE, EncodeSettings())


def test_segments_missing_from_the_cache_are_encoded_in_groups_and_joined_in_order(tmp_path: Path) -> None:
    """Cached and missing segments interleaved, more missing than one group holds: the joined
    file is the one made with nothing cached, and only the missing ones were made."""
    cache = BlobCache(tmp_path / "cache")
    count = GROUP + 5
    made: list[int] = []

    def source(n: int) -> bytes:
        made.append(n)
        return tone(0.2 + 0.01 * n, 200 + 40 * n)

    sources = [SegmentSource(f"tone {n}", functools.partial(source, n)) for n in range(count)]
    fresh = tmp_path / "fresh.mp3"
    write_segmented(fresh, sources, RATE, EncodeSettings(), workers=2)
    write_segmented(tmp_path / "some.mp3", sources[::3], RATE, EncodeSettings(), cache)  # every third cached
    made.clear()
    mixed = tmp_path / "mixed.mp3"
    write_segmented(mixed, sources, RATE, EncodeSettings(), cache, workers=1)
    assert sorted(made) == [n for n in range(count) if n % 3], "only the missing segments were made"
    assert mixed.read_bytes() == fresh.read_bytes()

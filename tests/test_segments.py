"""Paragraphs encoded as separate MP3 segments, joined into one file with one exact Info frame."""

from __future__ import annotations

import functools
import os
import random
from pathlib import Path

import numpy as np
from mutagen.mp3 import MP3

from narrator.audio.segments import (
    FRAME_SAMPLES,
    SegmentSource,
    crc16,
    crc16_combine,
    encode_segment,
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

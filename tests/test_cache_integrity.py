"""Every cache entry is verified on read: a damaged clip, level or segment entry is rebuilt, never
used, and the narration comes out exactly as a clean run's."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from narrator.blobcache import BlobCache, seal, unseal
from narrator.cli import main

ARTICLE = "\n".join(
    [
        "گزارش کوتاه",
        "بارش باران در تهران ادامه دارد. هوا سرد است.",
        "کارشناسان می‌گویند این وضع تا فردا می‌ماند.",
        "شهروندان باید احتیاط کنند.",
    ]
)


def _audio_after_tag(mp3: Path) -> bytes:
    """The audio stream: every byte after the ID3 tag."""
    data = mp3.read_bytes()
    return data[ID3(mp3).size :]


def _narrate(article: Path, cache: Path, out: Path) -> bytes:
    argv = ["narrate", str(article), "-o", str(out), "--cache-dir", str(cache), "--engine", "espeak", "-q"]
    err = io.StringIO()
    assert main(argv, stdout=io.StringIO(), stderr=err) == 0, err.getvalue()
    return _audio_after_tag(out)


def _overwrite_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # a run of zeros where audio was
    path.write_bytes(bytes(data))


def _cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes]:
    root = tmp_path_factory.mktemp("integrity")
    article = root / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    cache = root / "cache"
    audio = _narrate(article, cache, root / "clean.mp3")
    return article, cache, audio


@pytest.mark.parametrize("kind", ["clip", "cliplevel", "mp3"])
@pytest.mark.parametrize("damage", [_overwrite_middle, _cut_in_half], ids=["overwritten", "cut"])
def test_a_damaged_entry_is_rebuilt_and_the_audio_is_unchanged(
    clean: tuple[Path, Path, bytes], tmp_path: Path, kind: str, damage: Callable[[Path], None]
) -> None:
    article, clean_cache, audio = clean
    cache = tmp_path / "cache"
    shutil.copytree(clean_cache, cache)
    entries = sorted(cache.glob(f"*/*.{kind}"))
    assert entries, f"no {kind} entries were cached"
    for entry in entries:
        damage(entry)
    assert _narrate(article, cache, tmp_path / "again.mp3") == audio
    for entry in entries:  # each damaged entry was replaced by a whole one
        assert unseal(entry.read_bytes()) is not None


def test_seal_round_trip_and_every_damage_is_caught(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path)
    payload = bytes(range(256)) * 40
    cache.put("ab" * 32, "mp3", payload)
    assert cache.get("ab" * 32, "mp3") == payload
    stored = seal(payload)
    for cut in (0, 10, len(stored) // 2, len(stored) - 1):
        assert unseal(stored[:cut]) is None
    for index in (0, 5, 20, len(stored) // 2, len(stored) - 1):
        flipped = bytearray(stored)
        flipped[index] ^= 0x01
        assert unseal(bytes(flipped)) is None
    (entry,) = tmp_path.glob("*/*.mp3")
    entry.write_bytes(stored[:-1])
    assert cache.get("ab" * 32, "mp3") is None
    assert not entry.exists()  # a bad entry is deleted, not left to fail again


def test_ezafe_marks_are_kept_per_sentence_and_a_changed_sentence_is_tagged_anew(tmp_path: Path) -> None:
    from dataclasses import replace as dc_replace

    from narrator.text import prepare
    from narrator.text.ezafe import EzafeTagger, load_tagger, mark_article

    calls: list[str] = []

    class Counting(EzafeTagger):
        def mark(self, sentence: str) -> str:
            calls.append(sentence)
            return super().mark(sentence)

    real = load_tagger()
    assert real.identity, "the tagger names its model and code"
    tagger = Counting(real.model, real.identity)
    article = prepare("قیمت نفت خام بالا رفت.\n\nبازار سهام تهران امروز رشد کرد.\n")
    cache = BlobCache(tmp_path / "cache")
    first = mark_article(article, tagger, cache)
    assert first == mark_article(article, real) and len(calls) == 2
    assert "قیمتِ نفتِ" in first.paragraphs[0].sentences[0].spoken
    calls.clear()
    edited = prepare("قیمت نفت خام بالا رفت.\n\nبازار طلای تهران امروز رشد کرد.\n")
    again = mark_article(edited, tagger, cache)
    assert calls == [edited.paragraphs[1].sentences[0].spoken]  # only the changed sentence
    assert again == mark_article(edited, real)
    other = Counting(real.model, "another model")
    mark_article(article, other, cache)
    assert len(calls) == 3  # marks of another model or code are not taken
    assert dc_replace(real, identity="") == EzafeTagger(real.model)

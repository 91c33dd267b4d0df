"""Prepared lines remembered in the cache: the same article as preparing afresh, and an edit
prepares only the lines it changed."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from narrator.blobcache import BlobCache
from narrator.model import Sentence
from narrator.text import memo, prepare
from narrator.text.lexicon import Lexicon, parse_lexicon
from tests.conftest import SEED
from tests.news_corpus import articles

prepare_module = importlib.import_module("narrator.text.prepare")  # the package exports its function


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lines prepared from here on (each call of ``prepare_line`` records its line)."""
    prepared: list[str] = []
    real = prepare_module.prepare_line

    def record(line: str, lexicon: Lexicon | None = None) -> tuple[Sentence, ...]:
        prepared.append(line)
        found: tuple[Sentence, ...] = real(line, lexicon)
        return found

    monkeypatch.setattr(prepare_module, "prepare_line", record)
    return prepared


def test_real_news_prepared_through_the_cache_equals_preparing_afresh(tmp_path: Path) -> None:
    """Twelve real news articles and the seed: written, read back, each equal to ``prepare``."""
    cache = BlobCache(tmp_path)
    texts = [SEED.read_text("utf-8"), *(a.text for a in articles()[:12])]
    for text in texts:
        fresh = prepare(text)
        assert prepare(text, cache=cache) == fresh  # written
        assert prepare(text, cache=cache) == fresh  # read back


def test_an_edit_prepares_only_the_line_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = BlobCache(tmp_path)
    lines = SEED.read_text("utf-8").splitlines()
    prepare("\n".join(lines), cache=cache)
    prepared = counting(monkeypatch)
    assert prepare("\n".join(lines), cache=cache) == prepare("\n".join(lines))
    assert prepared == prepare_module.prose_lines("\n".join(lines)), "uncached: every prose line"
    prepared.clear()
    edited = list(lines)
    where = next(n for n, line in enumerate(lines) if line.strip() and n > 2)
    edited[where] = "وی افزود: قیمت نفت ۱۲ درصد افزایش یافت."
    article = prepare("\n".join(edited), cache=cache)
    assert prepared == [edited[where]]
    assert article == prepare("\n".join(edited))


def test_another_lexicon_or_other_code_is_another_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lexicon that changes a reading, or a change to narrator or its libraries (their files'
    sizes and dates), never reads what was remembered for the other."""
    cache = BlobCache(tmp_path)
    text = "رئیس اوپک گفت که تولید افزایش می‌یابد.\nاین خبر را خبرگزاری‌ها منتشر کردند."
    plain = prepare(text, cache=cache)
    lexicon = parse_lexicon("اوپک\tسازمان کشورهای صادرکننده نفت\n", "test")
    with_lexicon = prepare(text, lexicon=lexicon, cache=cache)
    assert with_lexicon == prepare(text, lexicon=lexicon) != plain
    assert "صادرکننده" in with_lexicon.paragraphs[0].spoken
    assert prepare(text, cache=cache) == plain

    prepared = counting(monkeypatch)
    monkeypatch.setattr(memo, "code_identity", lambda: "another narrator")
    assert prepare(text, cache=cache) == plain
    assert len(prepared) == 2


def test_the_code_identity_changes_when_a_source_file_does(monkeypatch: pytest.MonkeyPatch) -> None:
    memo.code_identity.cache_clear()
    try:
        before = memo.code_identity()
        real = memo._stat

        def touched(path: str, skip: int) -> list[object]:
            found = real(path, skip)
            return [*found, 1] if path.endswith("numbers.py") else found  # as if it changed

        monkeypatch.setattr(memo, "_stat", touched)
        memo.code_identity.cache_clear()
        assert memo.code_identity() != before
    finally:
        memo.code_identity.cache_clear()


@pytest.mark.parametrize("stored", [b"{", b"[1, 2]", b'[["only one"]]', b'[["a", 3]]'])
def test_a_damaged_entry_is_prepared_again(tmp_path: Path, stored: bytes) -> None:
    cache = BlobCache(tmp_path)
    text = "قیمت نفت ۱۲ درصد افزایش یافت.\nوی افزود: بازار آرام است."
    fresh = prepare(text)
    for line in text.splitlines():
        cache.put(memo.paragraph_key(line, memo.lexicon_digest(None)), memo.KIND, stored)
    assert prepare(text, cache=cache) == fresh
    assert prepare(text, cache=cache) == fresh


def test_code_that_cannot_be_named_by_its_files_is_never_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from somewhere with no files to stat (a zip), each process names its code afresh."""
    monkeypatch.setattr("narrator.text.memo.os.walk", lambda top: iter([]))
    memo.code_identity.cache_clear()
    try:
        first = memo.code_identity()
        memo.code_identity.cache_clear()
        assert memo.code_identity() != first
    finally:
        memo.code_identity.cache_clear()


def test_a_line_with_a_lone_surrogate_is_prepared_through_the_cache(tmp_path: Path) -> None:
    """Text handed in through the API may hold a lone surrogate; the cache names it all the same."""
    text = "قیمت نفت \udcff ۱۲ درصد افزایش یافت.\nوی افزود: بازار آرام است."
    cache = BlobCache(tmp_path)
    assert prepare(text, cache=cache) == prepare(text) == prepare(text, cache=cache)


def test_the_code_identity_names_the_tables_built_from_the_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    """hazm's tables and wordfreq's list are named by their data files' sizes and dates: a library
    patched in place (same ``__init__.py``) is another identity."""
    from narrator.text import zwnj

    memo.code_identity.cache_clear()
    try:
        before = memo.code_identity()
        monkeypatch.setattr(zwnj, "frequency_cache", lambda folder: folder / "wordfreq-fa-1-2.f2")
        memo.code_identity.cache_clear()
        assert memo.code_identity() != before
    finally:
        memo.code_identity.cache_clear()

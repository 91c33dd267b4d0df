"""Outputs never replace anything narrator did not write: inputs, other files, other narrations.

Every check happens before any work: a refused run leaves the folder exactly as it was.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from narrator.cli import main
from narrator.files import NarrationFiles

SHORT = "خبر کوتاه\nباران امروز در تهران بارید. هوا سرد شد.\nکارشناسان گفتند فردا آفتابی است.\n"
SUFFIXES = [".mp3", ".vtt", ".srt", ".chapters.json", ".json", ".page.html"]


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_an_input_named_like_any_output_is_never_replaced(tmp_path: Path, suffix: str) -> None:
    """``movie.srt`` (or .vtt, .json, …) narrated into its own folder would become its own transcript."""
    article = tmp_path / f"movie{suffix}"
    article.write_text(SHORT, encoding="utf-8")
    before = snapshot(tmp_path)
    code, _, err = run(["narrate", str(article), "-o", str(tmp_path), "--engine", "espeak", "-q"])
    collides = article in NarrationFiles.beside(tmp_path / f"{article.stem}.mp3").all()
    if collides:  # every name but .page.html: e.g. movie.chapters.json is the manifest of movie.chapters
        assert code == 1 and err.count("\n") == 1 and "overwrite an input" in err
        assert snapshot(tmp_path) == before
    else:  # movie.page.html narrates as movie.page.mp3, whose page is movie.page.page.html
        assert code == 0, err
        assert article.read_bytes() == before[article.name]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_file_narrator_did_not_write_is_never_replaced(tmp_path: Path, suffix: str) -> None:
    article = tmp_path / "news.txt"
    article.write_text(SHORT, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / f"news{suffix}").write_bytes(b"the user's own file")
    before = snapshot(out)
    code, _, err = run(["narrate", str(article), "-o", str(out), "--engine", "espeak", "-q"])
    assert code == 1 and err.count("\n") == 1 and "narrator did not write" in err
    assert snapshot(out) == before


def test_an_html_page_narrated_into_its_own_folder_is_untouched(tmp_path: Path) -> None:
    page = tmp_path / "news.html"
    page.write_text(SHORT, encoding="utf-8")  # content is what it is; the name is what mattered
    original = page.read_bytes()
    code, out, err = run(["narrate", str(page), "-o", str(tmp_path), "--engine", "espeak", "-q"])
    assert code == 0, err
    assert page.read_bytes() == original
    files = NarrationFiles.beside(tmp_path / "news.mp3")
    assert out.split() == [str(p) for p in files.all()]  # every path written is printed
    assert all(p.is_file() for p in files.all())


def test_a_re_narration_of_the_same_input_replaces_its_own_files(tmp_path: Path) -> None:
    article = tmp_path / "news.txt"
    article.write_text(SHORT, encoding="utf-8")
    argv = ["narrate", str(article), "-o", str(tmp_path / "out"), "--engine", "espeak", "-q"]
    assert run(argv)[0] == 0
    article.write_text(SHORT.replace("سرد", "گرم"), encoding="utf-8")
    code, _, err = run(argv)
    assert code == 0, err
    assert "گرم" in (tmp_path / "out" / "news.vtt").read_text(encoding="utf-8")


def test_another_inputs_narration_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "news.txt", tmp_path / "b" / "news.md.txt"
    first.write_text(SHORT, encoding="utf-8")
    second.write_text(SHORT, encoding="utf-8")
    out = tmp_path / "out"
    assert run(["narrate", str(first), "-o", str(out / "news.mp3"), "--engine", "espeak", "-q"])[0] == 0
    before = snapshot(out)
    code, _, err = run(["narrate", str(second), "-o", str(out / "news.mp3"), "--engine", "espeak", "-q"])
    assert code == 1 and "a narration of 'news.txt'" in err
    assert snapshot(out) == before


@pytest.mark.parametrize("name", ["a.wav", "a.ogg", "notes.txt"])
def test_an_output_that_is_neither_audio_nor_folder_is_a_usage_error(tmp_path: Path, name: str) -> None:
    article = tmp_path / "news.txt"
    article.write_text(SHORT, encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    code, _, err = run(["narrate", str(article), "-o", str(tmp_path / name)])
    assert code == 2 and "narrator writes .mp3" in err
    assert sorted(tmp_path.rglob("*")) == before  # no folder named a.wav, nothing at all


def test_a_folder_name_with_a_dot_is_taken_with_a_trailing_slash(tmp_path: Path) -> None:
    article = tmp_path / "news.txt"
    article.write_text(SHORT, encoding="utf-8")
    code, _, err = run(["narrate", str(article), "-o", f"{tmp_path / 'out.v2'}/", "--engine", "espeak", "-q"])
    assert code == 0, err
    assert (tmp_path / "out.v2" / "news.mp3").is_file()


def test_index_and_feed_never_replace_a_users_file(tmp_path: Path) -> None:
    article = tmp_path / "news.txt"
    article.write_text(SHORT, encoding="utf-8")
    assert run(["narrate", str(article), "-o", str(tmp_path), "--engine", "espeak", "-q"])[0] == 0
    mine = tmp_path / "index.html"
    mine.write_text("<html>the user's own home page</html>", encoding="utf-8")
    code, _, err = run(["page", str(tmp_path)])
    assert code == 1 and "not written by narrator" in err
    code, _, err = run(["feed", str(tmp_path), "--base-url", "https://example.org/n/"])
    assert code == 1 and "not written by narrator" in err
    assert mine.read_text(encoding="utf-8") == "<html>the user's own home page</html>"
    assert not (tmp_path / "feed.xml").exists()
    mine.unlink()
    assert run(["page", str(tmp_path)])[0] == 0
    assert run(["page", str(tmp_path)])[0] == 0  # narrator's own index is replaced freely
    assert run(["feed", str(tmp_path), "--base-url", "https://example.org/n/"])[0] == 0
    assert run(["feed", str(tmp_path), "--base-url", "https://example.org/n/"])[0] == 0


def test_an_article_named_index_no_longer_collides_with_the_folder_index(tmp_path: Path) -> None:
    article = tmp_path / "index.txt"
    article.write_text(SHORT, encoding="utf-8")
    out = tmp_path / "out"
    assert run(["narrate", str(article), "-o", str(out), "--engine", "espeak", "-q"])[0] == 0
    assert run(["page", str(out)])[0] == 0
    assert (out / "index.page.html").is_file() and (out / "index.html").is_file()
    assert 'href="index.page.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_say_writes_only_its_audio_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["say", "سلام، این یک آزمایش است.", "--engine", "espeak"])
    assert code == 0, err
    assert out.split() == ["say.mp3"] and sorted(p.name for p in tmp_path.iterdir()) == ["say.mp3"]
    assert run(["say", "دوباره سلام.", "--engine", "espeak"])[0] == 0  # its own file is replaced
    code, out, _ = run(["say", "سلام.", "--engine", "espeak", "-o", "x.mp3", "--sidecars"])
    assert code == 0 and len(out.split()) == 6
    assert all(p.is_file() for p in NarrationFiles.beside(tmp_path / "x.mp3").all())


def test_say_does_not_replace_a_foreign_mp3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    song = tmp_path / "say.mp3"
    shutil.copy(Path(__file__).parent / "conftest.py", song)  # any file that is not narrator's
    before = song.read_bytes()
    code, _, err = run(["say", "سلام.", "--engine", "espeak"])
    assert code == 1 and "not written by narrator" in err and song.read_bytes() == before

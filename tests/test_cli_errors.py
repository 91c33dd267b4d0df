"""Bad input: one clear line, a non-zero exit, and no output file left behind."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from narrator.cli import main


def run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    code = main(argv, stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


def assert_refused(tmp_path: Path, source: Path, fragment: str, extra: list[str] | None = None) -> None:
    out_dir = tmp_path / "out"
    code, message = run(["narrate", str(source), "-o", str(out_dir), *(extra or [])])
    assert code != 0
    assert message.count("\n") == 1 and message.startswith("narrator: error: "), message
    assert fragment in message, message
    assert "Traceback" not in message
    leftovers = list(out_dir.iterdir()) if out_dir.exists() else []
    assert leftovers == [], leftovers


def test_missing_file(tmp_path: Path) -> None:
    assert_refused(tmp_path, tmp_path / "nope.txt", "no such file")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    assert_refused(tmp_path, folder, "is a directory with no .txt or .html articles")


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  "])
def test_empty_or_whitespace(tmp_path: Path, content: bytes) -> None:
    source = tmp_path / "empty.txt"
    source.write_bytes(content)
    assert_refused(tmp_path, source, "is empty")


def test_binary(tmp_path: Path) -> None:
    source = tmp_path / "image.txt"
    source.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert_refused(tmp_path, source, "binary")


def test_no_persian_letters(tmp_path: Path) -> None:
    source = tmp_path / "english.txt"
    source.write_text("This article is in English. 12 people came.\n", "utf-8")
    assert_refused(tmp_path, source, "no Persian letters")


def test_windows_1256_is_decoded(tmp_path: Path) -> None:
    source = tmp_path / "legacy.txt"
    source.write_bytes("قيمت نفت امروز بالا رفت و گازوئيل ارزان شد.\n".encode("cp1256"))
    out = io.StringIO()
    assert main(["text", str(source), "--ezafe", "off"], stdout=out, stderr=io.StringIO()) == 0
    assert "قیمت نفت امروز بالا رفت و گازوئیل ارزان شد" in out.getvalue()


def test_unwritable_output_folder(tmp_path: Path, seed: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permission bits: use a path under a file
            target = tmp_path / "file"
            target.write_text("x")
            code, message = run(["narrate", str(seed), "-o", str(target / "sub")])
        else:
            code, message = run(["narrate", str(seed), "-o", str(locked)])
    finally:
        locked.chmod(0o700)
    assert code != 0 and message.count("\n") == 1 and "output folder" in message, message
    assert list(locked.iterdir()) == []


def test_unknown_engine(tmp_path: Path, seed: Path) -> None:
    assert_refused(tmp_path, seed, "unknown engine 'nosuch'", ["--engine", "nosuch"])


def test_engine_that_cannot_speak_persian(tmp_path: Path, seed: Path) -> None:
    assert_refused(tmp_path, seed, "no Persian", ["--engine", "gtts"])


def test_batch_continues_past_a_broken_article(tmp_path: Path, seed: Path) -> None:
    out_dir = tmp_path / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["narrate", str(tmp_path / "missing.txt"), str(seed), "-o", str(out_dir)],
                stdout=stdout, stderr=stderr)
    assert code == 1
    assert (out_dir / f"{seed.stem}.mp3").exists()
    assert "1 of 2 articles failed" in stderr.getvalue() and "missing.txt" in stderr.getvalue()
    assert sorted(p.name for p in out_dir.glob("*.mp3")) == [f"{seed.stem}.mp3"]
    assert not list(out_dir.glob("missing*"))


@pytest.mark.parametrize("command", [["engines"], ["text", "SEED"]])
def test_a_reader_that_went_away_ends_the_command_quietly(command: list[str], seed: Path) -> None:
    """``narrator engines | head -1``: when the pipe's reader has gone, no error is printed and the
    status is a shell's for SIGPIPE (141), as with other Unix tools."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before narrator writes a byte
    try:
        done = subprocess.run(
            [sys.executable, "-m", "narrator", *[str(seed) if a == "SEED" else a for a in command]],
            stdout=write_end, stderr=subprocess.PIPE, cwd=ROOT, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert b"error" not in done.stderr and b"Traceback" not in done.stderr  # a first run's notice may show

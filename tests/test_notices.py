"""What is slow and what is wrong is said before the work: models built on first use, and a cache
folder that cannot be written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

ARTICLE = "خبر کوتاه\nباران امروز در تهران بارید.\n"


def _text(cache: str, article: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NARRATOR_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "narrator", "text", str(article)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_first_run_says_it_prepares_models_once(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    first = _text(str(tmp_path / "cache"), article)
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines() == [
        "narrator: preparing word tables and ezafe tagger (first run only; about 10 s)"
    ]
    assert "باران" in first.stdout
    second = _text(str(tmp_path / "cache"), article)
    assert second.returncode == 0 and second.stderr == "" and second.stdout == first.stdout


def test_an_unwritable_cache_is_said_once_and_the_work_goes_on(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    run = _text(str(blocker / "cache"), article)  # a cache folder inside a file cannot exist
    assert run.returncode == 0, run.stderr
    warning, notice = run.stderr.splitlines()
    assert warning.startswith("narrator: warning: cannot write the cache") and "working without it" in warning
    assert notice.startswith("narrator: preparing") and "the cache cannot keep them" in notice
    assert "باران" in run.stdout


def _narrate(cache: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NARRATOR_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "narrator", "narrate", *args, "--engine", "espeak"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_a_bad_input_on_a_fresh_machine_is_one_line(tmp_path: Path) -> None:
    """The models notice waits for an article that was read: a missing input is its error alone."""
    run = _narrate(str(tmp_path / "cache"), str(tmp_path / "nope.txt"), "-o", str(tmp_path / "out"))
    assert run.returncode == 1
    assert run.stderr.splitlines() == [f"narrator: error: {tmp_path / 'nope.txt'}: no such file"]


def test_narrating_on_a_fresh_machine_says_first_what_is_prepared(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    run = _narrate(str(tmp_path / "cache"), str(article), "-o", str(tmp_path / "out"), "--no-cache")
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert lines[0] == "narrator: preparing word tables and ezafe tagger (first run only; about 10 s)"
    assert (tmp_path / "out" / "a.mp3").stat().st_size > 0

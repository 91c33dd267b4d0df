"""Failures a user can cause or meet: refused up front, one line, nothing left half-written."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from narrator.batch import plan, run_batch
from narrator.cli import main
from narrator.pipeline import NarrateOptions
from tests.conftest import ROOT


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_same_input_twice_is_narrated_once(tmp_path: Path, seed: Path) -> None:
    jobs = plan([seed, seed, Path(os.path.relpath(seed))], tmp_path, tmp_path)
    assert len(jobs) == 1


def test_articles_whose_files_would_collide_are_refused_before_any_work(tmp_path: Path, seed: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "a.chapters.txt"  # a.chapters.json is both
    shutil.copy(seed, a)
    shutil.copy(seed, b)
    code, _, err = run(["narrate", str(a), str(b), "-o", str(tmp_path / "out")])
    assert code == 1 and err.count("\n") == 1 and "would both write" in err and "a.chapters.json" in err
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_an_mp3_output_that_is_a_folder_is_refused_up_front(tmp_path: Path, seed: Path) -> None:
    folder = tmp_path / "x.mp3"
    folder.mkdir()
    code, _, err = run(["narrate", str(seed), "-o", str(folder)])
    assert code == 1 and err.strip() == f"narrator: error: {folder}: is a folder, not an .mp3 file"


def test_a_name_too_long_for_the_sidecars_is_refused_up_front(tmp_path: Path, seed: Path) -> None:
    source = tmp_path / ("خ" * 122 + ".txt")  # 244 bytes: fine, but "<stem>.chapters.json" is too long
    shutil.copy(seed, source)
    out_dir = tmp_path / "out"
    code, _, err = run(["narrate", str(source), "-o", str(out_dir), "--engine", "espeak", "--no-cache"])
    assert code == 1 and err.count("\n") == 1 and "name is too long" in err and "Traceback" not in err
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_an_os_error_is_one_line(tmp_path: Path, seed: Path) -> None:
    code, _, err = run(["narrate", str(seed), "-o", "/proc/narrator-test.mp3", "--engine", "espeak"])
    assert code == 1 and err.count("\n") == 1 and err.startswith("narrator: error: ")


def test_an_interrupted_batch_starts_no_more_articles(tmp_path: Path, seed: Path) -> None:
    sources = []
    for n in range(8):
        sources.append(tmp_path / f"a{n}.txt")
        shutil.copy(seed, sources[-1])
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    class Interrupting:
        def article_read(self, name: str) -> None: ...

        def article_started(self, name: str, sentences: int) -> None:
            raise KeyboardInterrupt

        def sentence_done(self, name: str) -> None: ...

        def article_finished(self, name: str, error: str | None) -> None: ...

        def close(self) -> None: ...

    jobs = plan(sources, out_dir, out_dir)
    options = NarrateOptions(engine="espeak", cache=None)
    with pytest.raises(KeyboardInterrupt):
        run_batch(jobs, options, 2, Interrupting())
    narrated = list(out_dir.glob("*.mp3"))
    assert len(narrated) < 8, "articles queued when Ctrl-C came were not narrated"
    assert list(out_dir.glob(".narrator-*")) == []


def test_sigterm_removes_the_partial_mp3(tmp_path: Path, seed: Path) -> None:
    long = tmp_path / "long.txt"
    long.write_text("\n".join(seed.read_text("utf-8").splitlines()[:-1] * 6), "utf-8")
    out_dir = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "narrator", "narrate", str(long), "-o", str(out_dir), "--no-cache",
         "--engine", "espeak", "-q"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not list(out_dir.glob(".narrator-*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("command", ["narrate", "text"])
def test_a_symlink_loop_as_input_is_one_line(tmp_path: Path, command: str) -> None:
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    for name in ("loop.txt", "a.txt"):
        output = ["-o", str(tmp_path / "out")] if command == "narrate" else []
        argv = [command, str(tmp_path / name), *output]
        code, out, err = run(argv)
        assert code == 1 and out == ""
        assert err.startswith(f"narrator: error: {tmp_path / name}: ") and err.count("\n") == 1, err
        assert "loop" in err or "no such file" in err
    assert not (tmp_path / "out").exists()


def test_a_write_error_without_a_file_name_names_the_target(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk filling up while the audio is written raises an OSError naming no file; the one
    error line names the narration it was writing (issue 18 review)."""
    import narrator.batch

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    article = tmp_path / "art.txt"
    article.write_text("سلام به همه. این یک خبر کوتاه است.\n", encoding="utf-8")
    monkeypatch.setattr(narrator.batch, "narrate", full)
    err = io.StringIO()
    code = main(["narrate", str(article), "-o", str(tmp_path / "out" / "art.mp3"), "-q"],
                stdout=io.StringIO(), stderr=err)
    assert code == 1
    assert err.getvalue() == f"narrator: error: {tmp_path / 'out' / 'art.mp3'}: No space left on device\n"

"""What each run pays before it starts working: only the modules it needs, no BLAS threads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

HEAVY = {"httpx", "rich", "gtts", "trafilatura", "scipy", "edge_tts"}


def _modules_after(code: str) -> set[str]:
    probe = f"{code}; import sys; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return set(out.stdout.split())


def test_narrating_with_espeak_loads_no_network_or_progress_libraries() -> None:
    """``narrate`` of a text file with auto's pick: no HTTP client, no progress bars, no gTTS."""
    loaded = _modules_after(
        "import narrator.cli, narrator.pipeline; from narrator.engines.base import EngineOptions; "
        "from narrator.engines.registry import choose_engine; "
        "assert choose_engine(EngineOptions(), False).name == 'espeak'"
    )
    assert "narrator.pipeline" in loaded
    assert {name.split(".")[0] for name in loaded} & HEAVY == set()
    assert not {"asyncio", "ssl", "narrator.publish.feed"} & loaded  # edge's and the feed's, when used


def test_an_espeak_template_starts_on_the_library_alone() -> None:
    """The template runs under ``python -S`` with only narrator's and espeakng-loader's folders on
    its path, and imports its module and the library binding: no site machinery, threads pool,
    subprocesses or numpy. It is the real command, asked to list its modules when it ends."""
    from narrator.engines.espeak_fresh import _START, _start_command
    from narrator.engines.espeak_serve import Request

    command = _start_command(Request("fa", None, None, ""))
    assert command[1:3] == ["-S", "-c"] and command[3] == _START
    # serve returns (its input is empty), and the template leaves at once (no interpreter teardown)
    assert _START.endswith("os._exit(0)")
    listing = _START.removesuffix("os._exit(0)") + "print(' '.join(sorted(sys.modules)), flush=True)"
    out = subprocess.run([*command[:3], listing, *command[4:]], input=b"", capture_output=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    loaded = set(out.stdout.decode().split())
    assert {"narrator.engines.espeak_serve", "narrator.espeak_lib"} <= loaded
    assert not {"site", "numpy", "subprocess", "narrator.engines.espeak_fresh", "espeakng_loader"} & loaded


def test_the_command_keeps_blas_to_one_thread_unless_told_otherwise() -> None:
    code = (
        "import os, sys; sys.argv = ['narrator', '--version']\n"
        "def leave(code):\n    raise SystemExit(code)\n"
        "os._exit = leave\n"
        "from narrator.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'])"
    )
    for given, expected in ((None, "1"), ("3", "3")):
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
        if given is not None:
            env["OPENBLAS_NUM_THREADS"] = given
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)})
        assert out.stdout.split()[-1] == expected


def _in_group(pgid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = (Path("/proc") / entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry))
    return found


def test_the_command_leaves_nothing_running_and_says_everything(tmp_path: Path) -> None:
    """The command ends its espeak-ng helpers and flushes its output before it leaves (it skips
    Python's own teardown): every path is printed, the exit status kept, no helper left behind."""
    article = tmp_path / "a.txt"
    article.write_text("خبر کوتاه\n\nباران امروز در تهران بارید.\n", "utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "narrator", "narrate", str(article), "-o", str(tmp_path / "out"), "--no-cache",
         "--engine", "espeak", "-q"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert len(out.decode().splitlines()) == 6
    assert _in_group(proc.pid) == [], "a helper outlived the command"
    command = [sys.executable, "-m", "narrator", "narrate", str(tmp_path / "nope.txt")]
    missing = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                             capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.endswith("no such file\n")


def test_rule_patterns_are_compiled_when_a_rule_first_runs() -> None:
    """A rule's pattern is compiled on first use (most rules' pre-checks keep them idle): the
    lazy pattern answers as the compiled one does."""
    import re

    from narrator.text import quantities
    from narrator.text.rules import LazyPattern, lazy

    rules = [rule for rule in quantities.RULES if isinstance(rule.pattern, LazyPattern)]
    assert len(rules) >= 5
    pattern = lazy(r"(\d+)٪", re.IGNORECASE)
    assert pattern._compiled is None
    compiled = re.compile(r"(\d+)٪", re.IGNORECASE)
    text = "رشد ۵٪ و ۱۲٪ بود"
    assert pattern.sub(r"\1 درصد", text) == compiled.sub(r"\1 درصد", text)
    assert pattern.search(text) is not None and pattern.search("هیچ") is None
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert pattern.compiled is pattern.compiled and pattern.pattern == compiled.pattern


def test_ffmpeg_is_found_once_on_a_thread_of_its_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A narration starts finding ffmpeg (imageio-ffmpeg runs ``ffmpeg -version``) while it prepares
    the text; a caller asking meanwhile waits for that answer instead of checking again."""
    import threading
    import time

    import imageio_ffmpeg

    from narrator import ffmpeg

    real: str = imageio_ffmpeg.get_ffmpeg_exe()
    calls: list[str] = []

    def slow() -> str:
        calls.append(threading.current_thread().name)
        time.sleep(0.2)
        return real

    monkeypatch.setenv("NARRATOR_CACHE_DIR", str(tmp_path))  # nothing remembered there yet
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", slow)
    ffmpeg.forget_ffmpeg()
    try:
        ffmpeg.find_ffmpeg_soon()
        time.sleep(0.05)  # the finder is inside imageio-ffmpeg's check
        assert ffmpeg.ffmpeg_exe() == real
        assert calls == ["find-ffmpeg"], "found once, by the thread started first"
    finally:
        ffmpeg.forget_ffmpeg()


def test_ffmpeg_found_once_is_remembered_while_it_is_the_same_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The binary imageio-ffmpeg found is remembered in the cache folder: a later process reads it
    without asking (no ``ffmpeg -version``, no thread). A changed binary, a changed
    ``IMAGEIO_FFMPEG_EXE`` or a damaged memo makes it ask again."""
    import shutil
    import threading

    import imageio_ffmpeg

    from narrator import ffmpeg

    real: str = imageio_ffmpeg.get_ffmpeg_exe()
    copy = tmp_path / "bin" / "ffmpeg"
    copy.parent.mkdir()
    shutil.copy2(real, copy)
    asked: list[str] = []

    def counted() -> str:
        asked.append("asked")
        return str(copy)

    cache = tmp_path / "cache"
    monkeypatch.setenv("NARRATOR_CACHE_DIR", str(cache))
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", counted)

    def fresh_process() -> str:  # what a new process would find
        ffmpeg.forget_ffmpeg()
        return ffmpeg.ffmpeg_exe()

    try:
        assert fresh_process() == str(copy) and len(asked) == 1
        assert (cache / ffmpeg.MEMO_NAME).is_file()
        assert fresh_process() == str(copy) and len(asked) == 1, "remembered"
        ffmpeg.forget_ffmpeg()
        threads = threading.active_count()
        ffmpeg.find_ffmpeg_soon()
        assert threading.active_count() == threads and len(asked) == 1, "no thread, no check"
        assert ffmpeg.ffmpeg_exe() == str(copy)

        copy.write_bytes(copy.read_bytes()[:-1])  # another binary at the same place
        assert fresh_process() == str(copy) and len(asked) == 2
        assert fresh_process() == str(copy) and len(asked) == 2
        monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(copy))  # asked under another setting
        assert fresh_process() == str(copy) and len(asked) == 3
        (cache / ffmpeg.MEMO_NAME).write_text("{not json")
        assert fresh_process() == str(copy) and len(asked) == 4
        copy.unlink()  # the binary is gone: not remembered, asked again
        assert fresh_process() == str(copy) and len(asked) == 5
    finally:
        ffmpeg.forget_ffmpeg()

"""Signals: SIGTERM or Ctrl-C to a ``-j 2`` run, ``kill -9``, and temporary folders of dead processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from narrator.processes import child_setup, remove_orphaned_temp, temp_prefix, terminated
from tests.conftest import ROOT, SEED


def long_article(folder: Path, name: str, copies: int = 2) -> Path:
    lines = SEED.read_text("utf-8").splitlines()[:-1]
    path = folder / name
    path.write_text("\n".join(lines * copies), "utf-8")
    return path


def wait_for(condition: object, seconds: float = 300) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.02)
    return False


def seg_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("narrator-seg-*"))


def parent_of(pid: int) -> int:
    """The parent of process ``pid`` (from /proc; 0 once it is gone)."""
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def cmdline(pid: int) -> bytes:
    """The command line of process ``pid`` (from /proc; empty once it is gone)."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc)."""
    found: list[int] = []
    parents = {pid}
    changed = True
    while changed:
        changed = False
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in found:
                continue
            if parent_of(int(entry.name)) in parents:
                found.append(int(entry.name))
                parents.add(int(entry.name))
                changed = True
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(argv: list[str], tmp: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.Popen(
        [sys.executable, "-m", "narrator", *argv], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def three_articles_j2(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """``narrate -j 2`` of three long articles started, with its temporary and output folders."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    inputs = [str(long_article(tmp_path, f"{n}.txt", copies=3)) for n in ("a", "b", "c")]
    argv = ["narrate", *inputs, "-o", str(out), "-j", "2", "--no-cache", "--engine", "espeak", "-q"]
    return start(argv, tmp), tmp, out


def both_encoding(out: Path, tmp: Path) -> bool:
    """Two articles under way at once (each has its partial MP3), and an encoder running (its
    segment folder: a group of paragraphs is encoded while the next is synthesized)."""
    return len(list(out.glob(".narrator-*.part"))) >= 2 and len(seg_folders(tmp)) >= 1


@pytest.mark.parametrize(("to_group", "signum"), [
    (True, signal.SIGTERM),  # `kill -- -PGID`, as a service manager stops a run
    (False, signal.SIGTERM),  # `kill PID`: narrator alone, which must end its workers itself
    (True, signal.SIGINT),  # Ctrl-C in a terminal: every process of the group gets it
], ids=["sigterm-to-the-group", "sigterm-to-narrator-alone", "ctrl-c"])
def test_a_signal_during_j2_leaves_no_part_files_temp_folders_nor_processes(
    tmp_path: Path, to_group: bool, signum: int
) -> None:
    """``-j 2`` on two cores runs a worker process per core (on one core, threads): a signal while
    both articles are being encoded ends the run at once with the signal's status, one line at
    most (Ctrl-C's), and nothing left behind: no partial file, no segment folder, no process."""
    proc, tmp, out = three_articles_j2(tmp_path)
    try:
        assert wait_for(lambda: both_encoding(out, tmp) or proc.poll() is not None) and proc.poll() is None
        descendants = children(proc.pid)
        if to_group:
            os.killpg(proc.pid, signum)
        else:
            os.kill(proc.pid, signum)
        assert proc.wait(timeout=60) == 128 + signum
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.stderr is not None
    stderr = proc.stderr.read().decode("utf-8", "replace")
    assert stderr == ("narrator: interrupted\n" if signum == signal.SIGINT else ""), stderr
    assert descendants
    assert wait_for(lambda: not any(alive(pid) for pid in descendants), 10), "a process outlived narrator"
    assert not seg_folders(tmp) and not list(out.iterdir()), (seg_folders(tmp), list(out.iterdir()))


def kill_9_when(proc: subprocess.Popen[bytes], ready: Callable[[], object]) -> list[int]:
    """``kill -9`` narrator alone (not its group) once ``ready``; its descendants at that moment."""
    try:
        assert wait_for(ready) and proc.poll() is None, "the run ended first"
        descendants = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return descendants


def test_kill_9_leaves_no_ffmpeg_orphans_and_the_next_run_removes_their_folder(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    proc = start(["narrate", str(long_article(tmp_path, "a.txt")), "-o", str(out), "--no-cache",
                  "--engine", "espeak", "-q"], tmp)
    ffmpegs = kill_9_when(proc, lambda: seg_folders(tmp) and children(proc.pid))
    assert ffmpegs
    assert wait_for(lambda: not any(alive(pid) for pid in ffmpegs), 10), "ffmpeg outlived narrator"
    left = seg_folders(tmp)
    assert left and all(f.name.startswith(f"narrator-seg-{proc.pid}-") for f in left)
    done = subprocess.run([sys.executable, "-m", "narrator", "engines"], cwd=ROOT, capture_output=True,
                          env=dict(os.environ, TMPDIR=str(tmp)), timeout=120)
    assert done.returncode == 0, done.stderr
    assert seg_folders(tmp) == []


def test_only_folders_of_dead_owners_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = tmp_path / f"{temp_prefix('seg')}x"
    orphan = tmp_path / f"narrator-seg-{dead.pid}-y"
    other = tmp_path / "narrator-seg-notapid"
    for folder in (mine, orphan, other):
        folder.mkdir()
        (folder / "segment.mp3").write_bytes(b"x")
    link = tmp_path / f"narrator-seg-{dead.pid}-link"  # named as an orphan, but a link: left alone
    link.symlink_to(other, target_is_directory=True)
    assert remove_orphaned_temp(tmp_path) == [orphan]
    assert mine.is_dir() and other.is_dir() and not orphan.exists()
    assert link.is_symlink() and (other / "segment.mp3").exists()


def test_a_child_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    assert child_setup() is not None
    script = (
        "import subprocess, sys, time\n"
        "from narrator.processes import child_setup\n"
        "p = subprocess.Popen(['sleep', '60'], preexec_fn=child_setup())\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.kill()
    parent.wait()
    assert wait_for(lambda: not alive(child), 10)


def test_a_sigterm_landing_in_a_finalizer_is_delivered_again_outside_it() -> None:
    got: list[int] = []
    old = signal.signal(signal.SIGUSR1, lambda signum, frame: got.append(signum))
    try:
        class Finalized:
            def __del__(self) -> None:
                terminated(signal.SIGUSR1, sys._getframe())

        Finalized()  # collected at once: an exception raised in __del__ would be printed and lost
        assert wait_for(lambda: got == [signal.SIGUSR1], 5)
        with pytest.raises(SystemExit) as exit_info:
            terminated(signal.SIGTERM, sys._getframe())
        assert exit_info.value.code == 128 + signal.SIGTERM
    finally:
        signal.signal(signal.SIGUSR1, old)


def test_kill_9_of_narrator_during_j2_ends_its_workers_and_their_partial_files(tmp_path: Path) -> None:
    """The workers' parent is the fork server, which outlives narrator: each worker watches
    narrator itself, and unwinds when it goes, removing its partial files and segment folder."""
    proc, tmp, out = three_articles_j2(tmp_path)
    descendants = kill_9_when(proc, lambda: both_encoding(out, tmp) or proc.poll() is not None)
    assert wait_for(lambda: not any(alive(pid) for pid in descendants), 10), "a worker outlived narrator"
    assert list(out.iterdir()) == [] and not seg_folders(tmp), (list(out.iterdir()), seg_folders(tmp))  # no
    # article finished after narrator was gone, and nothing partial is left


def test_ctrl_c_while_the_workers_start_prints_one_line(tmp_path: Path) -> None:
    """Ctrl-C as soon as the fork server exists, while it imports narrator and the workers start:
    one line, no traceback from any of them."""
    proc, _, _ = three_articles_j2(tmp_path)
    try:
        assert wait_for(lambda: any(b"forkserver" in cmdline(pid) for pid in children(proc.pid)), 120)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.stderr is not None
    assert proc.stderr.read().decode("utf-8", "replace") == "narrator: interrupted\n"

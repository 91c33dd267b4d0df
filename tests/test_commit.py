"""A narration's files are replaced as one set: a failure at any step of a re-narration leaves the
previous narration byte for byte; two runs to one target never mix their files; a commit killed
half-way is rolled back by the next one."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from narrator.atomic import BACKUP_PREFIX, JOURNAL_PREFIX, commit_set, staged_files, temporary_name
from narrator.cli import main
from narrator.errors import OutputError
from tests.conftest import ROOT

FIRST = "خبر نخست\nباران امروز در تهران بارید. هوا سرد شد.\nکارشناسان گفتند فردا آفتابی است.\n"
SECOND = "خبر دوم\nبرف امروز در تبریز بارید.\nمدارس تعطیل شد. جاده‌ها بسته است.\nمردم در خانه ماندند.\n"


def _narrate(article: Path, out: Path) -> tuple[int, str]:
    err = io.StringIO()
    argv = ["narrate", str(article), "-o", str(out), "--engine", "espeak", "-q"]
    return main(argv, stdout=io.StringIO(), stderr=err), err.getvalue()


def _folder(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, bytes]]:
    root = tmp_path_factory.mktemp("commit")
    article = root / "news.txt"
    article.write_text(FIRST, encoding="utf-8")
    out = root / "out"
    assert _narrate(article, out)[0] == 0
    article.write_text(SECOND, encoding="utf-8")  # the edit that the failing re-narration narrates
    return article, out, _folder(out)


def _copy_of(files: dict[str, bytes], folder: Path) -> Path:
    """``folder`` holding the earlier narration's files, as a user's folder would."""
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("failing_call", range(1, 7))
def test_a_rename_failing_at_any_step_leaves_the_earlier_narration(
    earlier: tuple[Path, Path, dict[str, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    failing_call: int,
) -> None:
    article, _, before = earlier
    out = _copy_of(before, tmp_path / "out")
    calls = {"n": 0}
    real = os.replace

    def flaky(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).parent == out:  # the narration's own files, not cache entries
            calls["n"] += 1
            if calls["n"] == failing_call:
                raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    code, err = _narrate(article, out)
    assert code == 1 and "No space left on device" in err and err.count("\n") == 1
    assert _folder(out) == before  # every file byte for byte, no temporaries, backups or journal


@pytest.mark.parametrize("failing_write", range(1, 6))  # vtt, srt, chapters, page, manifest
def test_a_write_failing_at_any_step_leaves_the_earlier_narration(
    earlier: tuple[Path, Path, dict[str, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    failing_write: int,
) -> None:
    article, _, before = earlier
    out = _copy_of(before, tmp_path / "out")
    calls = {"n": 0}
    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == failing_write:
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    code, err = _narrate(article, out)
    assert code == 1 and "No space left on device" in err
    assert _folder(out) == before


def test_a_commit_killed_half_way_is_rolled_back_by_the_next(tmp_path: Path) -> None:
    names = ["a.mp3", "a.vtt", "a.json"]
    for name in names:
        (tmp_path / name).write_text(f"old {name}", encoding="utf-8")
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
import narrator.atomic as atomic
folder = Path({str(tmp_path)!r})
pairs = []
for name in {names!r}:
    temp = atomic.temporary_name(folder / name)
    temp.write_text("new " + name, encoding="utf-8")
    pairs.append((temp, folder / name))
real, count = os.replace, [0]
def dying(src, dst):
    count[0] += 1
    if count[0] == 2:
        os._exit(9)  # killed after the first file was moved
    real(src, dst)
os.replace = dying
atomic.commit_set(pairs)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=False)
    assert done.returncode == 9
    assert (tmp_path / "a.mp3").read_text(encoding="utf-8") == "new a.mp3"  # a mixed set for now
    assert list(tmp_path.glob(f"{JOURNAL_PREFIX}*")) and list(tmp_path.glob(f"{BACKUP_PREFIX}*"))
    other = temporary_name(tmp_path / "b.txt")
    other.write_text("b", encoding="utf-8")
    commit_set([(other, tmp_path / "b.txt")])  # the next commit into the folder recovers first
    for name in names:
        assert (tmp_path / name).read_text(encoding="utf-8") == f"old {name}"
    assert not list(tmp_path.glob(f"{JOURNAL_PREFIX}*")) and not list(tmp_path.glob(f"{BACKUP_PREFIX}*"))
    for leftover in tmp_path.glob("*.part"):  # the killed commit's unmoved temporaries
        leftover.unlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names, "b.txt"])


def test_two_commits_to_one_target_never_mix(tmp_path: Path) -> None:
    names = ["a.mp3", "a.vtt", "a.srt", "a.json", "a.page.html"]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def commit(writer: int) -> None:
        try:
            barrier.wait()
            for _ in range(20):
                with staged_files() as stage:
                    for name in names:
                        stage.add(tmp_path / name, f"{writer}".encode())
                    stage.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=commit, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    contents = {(tmp_path / name).read_bytes() for name in names}
    assert len(contents) == 1  # every file from the same writer
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def test_a_commit_set_must_lie_in_one_folder(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    with pytest.raises(ValueError):
        commit_set([(tmp_path / "a.part", tmp_path / "a"), (tmp_path / "x" / "b.part", tmp_path / "x" / "b")])


def test_the_stage_reports_a_folder_it_cannot_lock(tmp_path: Path) -> None:
    temp = temporary_name(tmp_path / "a.mp3")
    gone = tmp_path / "gone"
    with pytest.raises(OutputError):
        commit_set([(temp, gone / "a.mp3")])


def test_ctrl_c_half_way_through_a_commit_puts_the_old_set_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["a.mp3", "a.vtt", "a.json"]
    for name in names:
        (tmp_path / name).write_text(f"old {name}", encoding="utf-8")
    pairs = []
    for name in names:
        temp = temporary_name(tmp_path / name)
        temp.write_text(f"new {name}", encoding="utf-8")
        pairs.append((temp, tmp_path / name))
    real, count = os.replace, {"n": 0}

    def interrupted(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if str(src).endswith(".part"):
            count["n"] += 1
            if count["n"] == 2:
                raise KeyboardInterrupt  # Ctrl-C after the first file was moved
        real(src, dst)

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        commit_set(pairs)
    for name in names:
        assert (tmp_path / name).read_text(encoding="utf-8") == f"old {name}"
    assert not list(tmp_path.glob(f"{JOURNAL_PREFIX}*")) and not list(tmp_path.glob(f"{BACKUP_PREFIX}*"))


@pytest.mark.parametrize("where", ["fsync", "forget"])
def test_ctrl_c_after_the_last_rename_keeps_the_new_set_and_leaves_no_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Every file is in place when Ctrl-C lands: the new set stays, and no journal is left for the
    next commit to roll it back (which would delete the files it added). The interrupt is raised
    once the journal is gone."""
    from narrator import atomic

    (tmp_path / "a.mp3").write_text("old a.mp3", encoding="utf-8")  # one replaced, one added
    pairs = []
    for name in ("a.mp3", "a.vtt"):
        temp = temporary_name(tmp_path / name)
        temp.write_text(f"new {name}", encoding="utf-8")
        pairs.append((temp, tmp_path / name))
    if where == "fsync":
        real_fsync, calls = atomic._fsync_folder, {"n": 0}

        def fsync(folder: Path) -> None:
            calls["n"] += 1
            if calls["n"] == 2:  # the first makes the journal durable; the second follows the renames
                raise KeyboardInterrupt
            real_fsync(folder)

        monkeypatch.setattr(atomic, "_fsync_folder", fsync)
    else:
        real_unlink, hits = Path.unlink, {"n": 0}

        def unlink(self: Path, missing_ok: bool = False) -> None:
            if self.name.startswith(JOURNAL_PREFIX) and hits["n"] == 0:
                hits["n"] += 1
                raise KeyboardInterrupt  # lands as the journal is being removed
            real_unlink(self, missing_ok)

        monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(KeyboardInterrupt):
        commit_set(pairs)
    monkeypatch.undo()
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == {
        "a.mp3": "new a.mp3", "a.vtt": "new a.vtt"}
    later = temporary_name(tmp_path / "b.mp3")
    later.write_text("b", encoding="utf-8")
    commit_set([(later, tmp_path / "b.mp3")])  # the next commit rolls nothing back
    assert (tmp_path / "a.vtt").read_text(encoding="utf-8") == "new a.vtt"


def test_a_file_that_cannot_be_written_is_named_once(tmp_path: Path) -> None:
    """The reason is said once: ``…/feed.xml: cannot be written (…)``, not wrapped in itself."""
    from narrator.atomic import write_atomic

    with pytest.raises(OutputError) as failure:
        write_atomic(tmp_path / "gone" / "feed.xml", b"x")
    target = tmp_path / "gone" / "feed.xml"
    assert str(failure.value) == f"{target}: cannot be written (No such file or directory)"

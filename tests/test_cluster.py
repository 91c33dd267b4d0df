"""Batches on a real Dask cluster: a scheduler and two workers started here on 127.0.0.1.

Workers share no folder with the client: they get the input's bytes and return the files. A worker
killed mid-run costs nothing but time; a broken article fails alone; Ctrl-C leaves no partial file.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from narrator.cli import main
from narrator.files import NarrationFiles
from tests.audio_check import decode_mp3, ffprobe_chapters
from tests.conftest import ROOT

DASK = Path(sys.executable).parent / "dask"
START_TIMEOUT_S = 60


def article(number: int) -> str:
    return (
        f"خبر شماره {number}\n"
        "باران امروز در تهران بارید. هوا سرد شد.\n"
        "کارشناسان گفتند فردا آفتابی است. مردم خوشحال شدند.\n"
        "مدارس باز ماند.\n"
    )


def articles(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        (folder / f"a{number:02d}.txt").write_text(article(number), encoding="utf-8")
    return folder


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen([str(DASK), *args], env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A scheduler and two single-threaded workers (in folders of their own), shared by this
    module's tests (the test that kills a worker runs last); always torn down."""
    tmp_path = tmp_path_factory.mktemp("dask")
    info = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scheduler = _start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(info)], env, tmp_path / "scheduler.log")
    workers: list[subprocess.Popen[bytes]] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(info.read_text(encoding="utf-8"))["address"]
        for number in range(2):
            worker_env = env  # the test run's private cache: its models are built once per run
            workers.append(_start(["worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                   "--host", "127.0.0.1", "--local-directory", str(tmp_path / f"w{number}")],
                                  worker_env, tmp_path / f"worker-{number}.log"))
        _wait_for_workers(address, 2)
        yield Cluster(address, scheduler, workers)
    finally:
        for process in [*workers, scheduler]:
            _stop(process)


def _wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(count, timeout=START_TIMEOUT_S)


def narrate(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def assert_complete(out: Path, names: list[str]) -> None:
    """Each article's whole file set, a decodable MP3 with its chapters, and nothing else."""
    expected = sorted(p.name for n in names for p in NarrationFiles.beside(out / f"{n}.mp3").all())
    assert sorted(p.name for p in out.iterdir()) == expected
    for name in names:
        mp3 = out / f"{name}.mp3"
        assert len(decode_mp3(mp3)) > 44100  # over a second of audio
        assert len(ffprobe_chapters(mp3)) == 4  # headline and three paragraphs
        manifest = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert manifest["source"]["name"] == f"{name}.txt"


def test_a_batch_runs_on_the_cluster(cluster: Cluster, tmp_path: Path) -> None:
    inputs = articles(tmp_path / "in", 3)
    out = tmp_path / "out"
    code, printed, err = narrate(["narrate", str(inputs), "-o", str(out), "--dask", cluster.address,
                                  "--engine", "espeak", "-q"])
    assert code == 0, err
    assert_complete(out, [f"a{n:02d}" for n in range(1, 4)])
    assert len(printed.split()) == 3 * 6  # every path written is printed


def test_a_broken_article_fails_alone(cluster: Cluster, tmp_path: Path) -> None:
    inputs = articles(tmp_path / "in", 2)
    (inputs / "broken.txt").write_text("no Persian here at all", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = narrate(["narrate", str(inputs), "-o", str(out), "--dask", cluster.address,
                            "--engine", "espeak", "-q"])
    assert code == 1
    assert "1 of 3 articles failed" in err and "broken.txt" in err and "Traceback" not in err
    assert_complete(out, ["a01", "a02"])


def test_local_workers_started_and_stopped_by_narrator(tmp_path: Path) -> None:
    inputs = articles(tmp_path / "in", 2)
    out = tmp_path / "out"
    code, _, err = narrate(["narrate", str(inputs), "-o", str(out), "--dask", "local:2",
                            "--engine", "espeak", "-q"])
    assert code == 0, err
    assert_complete(out, ["a01", "a02"])


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "local:0", "local:x"])
def test_a_bad_address_is_one_line(tmp_path: Path, address: str) -> None:
    inputs = articles(tmp_path / "in", 1)
    started = time.monotonic()
    code, _, err = narrate(["narrate", str(inputs), "-o", str(tmp_path / "out"), "--dask", address, "-q"])
    assert code == 1 and err.count("\n") == 1 and err.startswith("narrator: error:")
    assert time.monotonic() - started < 30


def test_ctrl_c_leaves_no_partial_file(cluster: Cluster, tmp_path: Path) -> None:
    inputs = articles(tmp_path / "in", 6)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "narrator", "narrate", str(inputs), "-o", str(out), "--dask", cluster.address,
         "--engine", "espeak", "-q"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("*.mp3")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert b"Traceback" not in err
    done = sorted(p.stem for p in out.glob("*.mp3"))
    assert 1 <= len(done) < 6
    assert_complete(out, done)  # finished articles whole, the rest not begun: no partial file


def test_a_worker_killed_mid_run_costs_nothing_but_time(cluster: Cluster, tmp_path: Path) -> None:
    inputs = articles(tmp_path / "in", 6)
    out = tmp_path / "out"
    result: dict[str, tuple[int, str, str]] = {}

    def run() -> None:
        result["outcome"] = narrate(["narrate", str(inputs), "-o", str(out), "--dask", cluster.address,
                                     "--engine", "espeak", "-q"])

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    while not list(out.glob("*.mp3")) and time.monotonic() < deadline:  # killed once work is flowing
        time.sleep(0.05)
    os.killpg(cluster.workers[0].pid, signal.SIGKILL)
    thread.join(timeout=300)
    code, _, err = result["outcome"]
    assert code == 0, err
    assert cluster.workers[0].wait(timeout=10) == -signal.SIGKILL
    assert_complete(out, [f"a{n:02d}" for n in range(1, 7)])

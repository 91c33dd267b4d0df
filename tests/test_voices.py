"""`narrator voices`: list, download (checked, resumable), remove, against a stand-in mirror on
127.0.0.1 serving a real-format voices.json and a tiny Piper-compatible voice built here."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from narrator.cli import main
from narrator.engines.voice_catalog import URL_ENV, base_url, file_url, parse_catalog
from narrator.engines.voice_store import client, fetch_catalog
from narrator.engines.voices import VOICES_ENV
from narrator.errors import NetworkError
from tests.audio_check import decode_mp3
from tests.conftest import ROOT
from tests.standin import Reply, StandinServer, always
from tests.voice_mirror import VoiceMirror, closed_port, listing, mirror_files, voice_bytes

PERSIAN = "fa_IR-tiny-x_low"
ENGLISH = "en_US-tiny-x_low"
MODEL_PATH = f"fa/fa_IR/tiny/x_low/{PERSIAN}.onnx"
CONFIG_PATH = f"fa/fa_IR/tiny/x_low/{PERSIAN}.onnx.json"
VOICE = voice_bytes()


def run(argv: list[str], err: io.StringIO | None = None) -> tuple[int, str, str]:
    out, errors = io.StringIO(), err or io.StringIO()
    code = main(argv, stdout=out, stderr=errors)
    return code, out.getvalue(), errors.getvalue()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    voices = tmp_path / "voices"
    monkeypatch.setenv(VOICES_ENV, str(voices))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.delenv("NARRATOR_ONLINE", raising=False)
    return voices


def serve(monkeypatch: pytest.MonkeyPatch, mirror: VoiceMirror) -> VoiceMirror:
    monkeypatch.setenv(URL_ENV, mirror.url)
    return mirror


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[VoiceMirror]:
    files = mirror_files({PERSIAN: VOICE, ENGLISH: VOICE})
    with VoiceMirror(files, prefix="/piper") as server:
        yield serve(monkeypatch, server)


def test_catalog_in_the_real_format_is_read(mirror: VoiceMirror) -> None:
    voices = parse_catalog(mirror.files["voices.json"], "test")
    voice = voices[PERSIAN]
    assert voice.persian and not voices[ENGLISH].persian
    assert (voice.model.path, voice.config.path) == (MODEL_PATH, CONFIG_PATH)  # MODEL_CARD left out
    assert voice.size_bytes == len(VOICE[0]) + len(VOICE[1])


def test_default_urls_are_piper_own() -> None:
    """Oracle: the default catalogue and file addresses are those piper.download_voices uses."""
    from piper.download_voices import URL_FORMAT, VOICES_JSON

    assert file_url(base_url({}), "voices.json") == VOICES_JSON.removesuffix("?download=true")
    parts = {"lang_family": "fa", "lang_code": "fa_IR", "voice_name": "gyro", "voice_quality": "medium"}
    piper_url = URL_FORMAT.format(extension=".onnx", **parts).removesuffix("?download=true")
    assert file_url(base_url({}), "fa/fa_IR/gyro/medium/fa_IR-gyro-medium.onnx") == piper_url


def test_list_shows_persian_voices_and_all_with_all(folder: Path, mirror: VoiceMirror) -> None:
    code, out, err = run(["voices", "list"])
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "name\tquality\tsize\tstate"
    size = f"{(len(VOICE[0]) + len(VOICE[1])) / 1e6:.1f} MB"
    assert lines[1:] == [f"{PERSIAN}\tx_low\t{size}\t-"]
    code, out, _ = run(["voices", "list", "--all"])
    assert code == 0 and [line.split("\t")[0] for line in out.splitlines()[1:]] == [ENGLISH, PERSIAN]


def test_download_installs_both_files_verified(folder: Path, mirror: VoiceMirror) -> None:
    code, out, err = run(["voices", "download", PERSIAN])
    assert (code, err) == (0, "")
    model, config = folder / f"{PERSIAN}.onnx", folder / f"{PERSIAN}.onnx.json"
    assert out.splitlines() == [str(model), str(config)]
    assert (model.read_bytes(), config.read_bytes()) == VOICE
    assert listing(folder) == [model.name, config.name]  # no partial file left
    assert {s.path for s in mirror.seen} == {f"/piper/{p}" for p in ("voices.json", MODEL_PATH, CONFIG_PATH)}
    code, out, _ = run(["voices", "list"])
    assert out.splitlines()[1].endswith("\tinstalled")
    code, out, err = run(["voices", "download", PERSIAN])  # again: checked, not fetched
    assert code == 0 and "already installed" in err and len(mirror.file_requests(".onnx")) == 1


def test_download_shows_a_progress_bar_on_a_terminal(folder: Path, mirror: VoiceMirror) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    code, _, err = run(["voices", "download", PERSIAN], err=Terminal())
    assert code == 0
    assert f"{PERSIAN}.onnx " in err and f"{PERSIAN}.onnx.json" in err
    whole = f"{len(VOICE[0]) / 1000:.1f}/{len(VOICE[0]) / 1000:.1f} kB"  # rich's DownloadColumn
    assert "0.0/" in err and whole in err


@pytest.mark.parametrize("wrong", ["md5", "size"])
def test_checksum_failure_leaves_no_file_of_the_voice(
    folder: Path, monkeypatch: pytest.MonkeyPatch, wrong: str
) -> None:
    model, config = VOICE
    served = mirror_files({PERSIAN: (model, config)}, lies={PERSIAN: "0" * 32} if wrong == "md5" else {})
    if wrong == "size":  # the mirror serves a model shorter than the catalogue says
        served[MODEL_PATH] = model[:-100]
    with serve(monkeypatch, VoiceMirror(served)):
        code, out, err = run(["voices", "download", PERSIAN])
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"narrator: error: {PERSIAN}: the downloaded {PERSIAN}.onnx ")
    assert ("MD5" if wrong == "md5" else "bytes") in err and "nothing was installed" in err
    assert listing(folder) == []


def test_a_mirror_sending_too_much_is_refused(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served = mirror_files({PERSIAN: VOICE})
    served[CONFIG_PATH] = VOICE[1] + b" " * 10
    with serve(monkeypatch, VoiceMirror(served)):
        code, _, err = run(["voices", "download", PERSIAN])
    assert code == 1 and "more than" in err and err.count("\n") == 1
    assert listing(folder) == []


def test_interrupted_transfer_resumes_with_range(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, config = VOICE
    files = mirror_files({PERSIAN: VOICE})
    with serve(monkeypatch, VoiceMirror(files, redirect=True, break_first=frozenset({MODEL_PATH}))) as mirror:
        code, out, err = run(["voices", "download", PERSIAN])
        assert code == 1 and out == "" and err.count("\n") == 1
        assert f"stopped at {len(model) // 2} of {len(model)} bytes" in err and "again to resume" in err
        part = folder / f".{PERSIAN}.onnx.download"
        assert listing(folder) == [part.name] and part.read_bytes() == model[: len(model) // 2]

        code, out, err = run(["voices", "download", PERSIAN])
        assert (code, err) == (0, "")
        ranges = [s.range for s in mirror.file_requests(".onnx")]
    # first try: redirect, then the broken transfer; second run: redirect, then the rest by Range
    assert ranges == [None, None, f"bytes={len(model) // 2}-", f"bytes={len(model) // 2}-"]
    assert (folder / f"{PERSIAN}.onnx").read_bytes() == model
    assert (folder / f"{PERSIAN}.onnx.json").read_bytes() == config
    assert listing(folder) == [f"{PERSIAN}.onnx", f"{PERSIAN}.onnx.json"]


def test_a_partial_file_of_other_bytes_is_discarded_then_fetched_again(
    folder: Path, mirror: VoiceMirror
) -> None:
    folder.mkdir()
    (folder / f".{PERSIAN}.onnx.download").write_bytes(b"z" * len(VOICE[0]))  # full size, wrong bytes
    code, _, err = run(["voices", "download", PERSIAN])
    assert code == 1 and "MD5" in err and listing(folder) == []
    code, _, err = run(["voices", "download", PERSIAN])
    assert (code, err) == (0, "") and (folder / f"{PERSIAN}.onnx").read_bytes() == VOICE[0]


def test_a_mirror_without_ranges_sends_the_whole_file_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder.mkdir()
    (folder / f".{PERSIAN}.onnx.download").write_bytes(b"z" * 1000)
    with serve(monkeypatch, VoiceMirror(mirror_files({PERSIAN: VOICE}), ranges=False)) as mirror:
        code, _, err = run(["voices", "download", PERSIAN])
    assert (code, err) == (0, "") and mirror.file_requests(".onnx")[0].range == "bytes=1000-"
    assert (folder / f"{PERSIAN}.onnx").read_bytes() == VOICE[0]
    assert listing(folder) == [f"{PERSIAN}.onnx", f"{PERSIAN}.onnx.json"]


def test_a_voice_half_installed_is_completed(folder: Path, mirror: VoiceMirror) -> None:
    folder.mkdir()
    (folder / f"{PERSIAN}.onnx").write_bytes(VOICE[0])  # the model landed, its configuration did not
    code, _, err = run(["voices", "download", PERSIAN])
    assert (code, err) == (0, "") and (folder / f"{PERSIAN}.onnx.json").read_bytes() == VOICE[1]


def test_hf_endpoint_is_honoured(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(URL_ENV, raising=False)
    files = mirror_files({PERSIAN: VOICE})
    with VoiceMirror(files, prefix="/rhasspy/piper-voices/resolve/main") as mirror:
        monkeypatch.setenv("HF_ENDPOINT", mirror.url.removesuffix(mirror.prefix) + "/")
        code, out, _ = run(["voices", "list"])
    assert code == 0 and PERSIAN in out


def test_unknown_voice_is_one_line_per_name(folder: Path, mirror: VoiceMirror) -> None:
    code, out, err = run(["voices", "download", "fa_IR-nobody-medium", PERSIAN, "xx"])
    assert code == 1 and out.splitlines() == [str(folder / f"{PERSIAN}{s}") for s in (".onnx", ".onnx.json")]
    assert err.splitlines() == [
        f"narrator: error: no voice named 'fa_IR-nobody-medium' in the catalogue (Persian voices: {PERSIAN})",
        f"narrator: error: no voice named 'xx' in the catalogue (Persian voices: {PERSIAN})",
    ]


def test_a_different_file_already_there_is_never_overwritten(folder: Path, mirror: VoiceMirror) -> None:
    folder.mkdir()
    mine = folder / f"{PERSIAN}.onnx"
    mine.write_bytes(b"my own model")
    code, _, err = run(["voices", "download", PERSIAN])
    assert code == 1 and "narrator voices remove" in err and mine.read_bytes() == b"my own model"


@pytest.mark.parametrize("action", [["list"], ["download", "fa_IR-gyro-medium"]])
def test_unreachable_mirror_fails_fast_in_one_line(tmp_path: Path, action: list[str]) -> None:
    env = {**os.environ, URL_ENV: f"http://127.0.0.1:{closed_port()}", VOICES_ENV: str(tmp_path / "v"),
           "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "narrator", "voices", *action], env=env,
                          capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1 and proc.stdout == "" and elapsed < 10
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("narrator: error: cannot reach the voice catalogue at ")
    assert "Traceback" not in proc.stderr and URL_ENV in lines[0]
    assert not (tmp_path / "v").exists()


def test_a_mirror_that_never_answers_times_out() -> None:
    with StandinServer(always(Reply(200, b"{}", delay=30))) as server, \
            client(httpx.Timeout(1.0, connect=1.0)) as http:
        started = time.monotonic()
        with pytest.raises(NetworkError, match="stopped answering"):
            fetch_catalog(http, server.url)
    assert time.monotonic() - started < 5


def test_remove_deletes_the_voice_and_refuses_other_names(folder: Path, mirror: VoiceMirror) -> None:
    assert run(["voices", "download", PERSIAN])[0] == 0
    (folder / "keep.txt").write_text("not a voice")
    code, out, err = run(["voices", "remove", PERSIAN])
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"removed {folder / PERSIAN}{s}" for s in (".onnx", ".onnx.json")]
    assert listing(folder) == ["keep.txt"]
    code, _, err = run(["voices", "remove", PERSIAN, "../keep"])
    assert code == 1 and err.splitlines() == [
        f"narrator: error: no voice named '{PERSIAN}' in {folder}",
        "narrator: error: '../keep' is not a voice name (like fa_IR-gyro-medium)",
    ]


def test_downloaded_voice_speaks_and_engines_shows_it(
    folder: Path, mirror: VoiceMirror, tmp_path: Path
) -> None:
    code, out, err = run(["say", "سلام", "--engine", "piper", "-o", str(tmp_path / "none.mp3")])
    assert code == 1 and "narrator voices download fa_IR-gyro-medium" in err and err.count("\n") == 1
    code, out, _ = run(["engines"])
    assert f"no voices in {folder}" in out and "narrator voices download fa_IR-gyro-medium" in out

    assert run(["voices", "download", PERSIAN])[0] == 0
    target = tmp_path / "said.mp3"
    text = "سلام دنیا. امروز هوا خوب است."
    argv = ["say", text, "--engine", "piper", "--voice", PERSIAN, "--ezafe", "off", "-o", str(target)]
    code, out, err = run(argv)
    assert (code, out) == (0, f"{target}\n"), err
    samples = decode_mp3(target).astype(np.float64)
    assert len(samples) > 44100 // 2  # half a second or more of speech
    assert np.sqrt(np.mean(samples**2)) > 1000  # the tone the tiny voice speaks, not silence
    code, out, _ = run(["engines"])
    assert code == 0 and f"  voice {PERSIAN}\t{folder / f'{PERSIAN}.onnx'}" in out.splitlines()
    assert "more voices: narrator voices list" in out

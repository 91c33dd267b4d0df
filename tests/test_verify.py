"""``--verify``: each narration decoded and measured before it is kept."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest

from narrator.cli import main
from narrator.files import NarrationFiles
from tests.audio_check import measure_file

ARTICLE = "خبر کوتاه\n\nقیمت نفت خام امروز در بازارهای جهانی بالا رفت.\n\nبازار سهام تهران نیز رشد کرد.\n"


def _narrate(tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, "utf-8")
    err = io.StringIO()
    out = tmp_path / "out"
    code = main(["narrate", str(article), "-o", str(out), "--no-cache", "--engine", "espeak", "-q", *extra],
                stdout=io.StringIO(), stderr=err)
    return code, err.getvalue(), out / "a.mp3"


def test_verify_records_what_the_decoded_mp3_measures(tmp_path: Path) -> None:
    code, err, mp3 = _narrate(tmp_path, "--verify")
    assert code == 0, err
    loudness = json.loads(NarrationFiles.beside(mp3).manifest.read_text("utf-8"))["loudness"]
    lufs, amplitude = measure_file(mp3, 44100)  # decoded whole, not streamed
    peak = 20 * math.log10(amplitude)
    assert loudness["output_lufs"] == pytest.approx(lufs, abs=0.01)
    assert loudness["output_true_peak_dbtp"] == pytest.approx(peak, abs=0.01)
    assert abs(lufs + 16) <= 0.5 and peak <= -1.0


def test_a_narration_that_misses_its_loudness_is_refused_and_nothing_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrator.audio.gain as gain

    monkeypatch.setattr(gain, "CODEC_LOSS_LU", 3.0)  # a plan that aims 2.6 LU too loud
    code, err, mp3 = _narrate(tmp_path, "--verify")
    assert code == 1
    assert err.count("\n") == 1 and "verification failed: the audio measures" in err, err
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    code, err, mp3 = _narrate(tmp_path)  # without --verify the prediction is trusted
    assert code == 0 and mp3.exists()

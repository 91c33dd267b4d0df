"""A 60-minute article: loudness within ±0.5 LU of the target, true peak under the ceiling,
peak memory under 300 MB (the narrate process, measured from outside)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.audio_check import decode_mp3
from tests.peak import run_measured
from tests.test_loudness import CEILING, PEAK_TOLERANCE_DB, TARGET, measure

MINUTES = 60


def long_article(seed: Path, folder: Path) -> Path:
    """The seed's paragraphs repeated, each copy numbered so no sentence repeats exactly."""
    lines = [line for line in seed.read_text("utf-8").splitlines() if line.strip()]
    title, body = lines[0], lines[1:]
    parts = [title]
    for copy in range(18):  # the seed is about 3.5 minutes long
        parts += [f"بخش {copy + 1}. {line}" for line in body]
    path = folder / "long.txt"
    path.write_text("\n\n".join(parts), "utf-8")
    return path


def test_sixty_minutes_meet_the_loudness_bars_in_bounded_memory(tmp_path: Path, seed: Path) -> None:
    source = long_article(seed, tmp_path)
    target = tmp_path / "long.mp3"
    warm = [sys.executable, "-m", "narrator", "text", str(seed)]  # models built first, measured apart
    subprocess.run(warm, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    code, peak_kib, _ = run_measured(  # the narrate process and those it waited for, nothing else
        [sys.executable, "-m", "narrator", "narrate", str(source), "--engine", "espeak", "--no-cache",
         "-o", str(target), "-q"],
    )
    assert code == 0
    peak_mb = peak_kib / 1024
    minutes = len(decode_mp3(target)) / 44100 / 60
    loudness, peak = measure(target)
    print(f"{minutes:.1f} min: {loudness:.2f} LUFS, {peak:.2f} dBTP, peak RSS {peak_mb:.0f} MB")
    assert minutes >= MINUTES
    assert abs(loudness - TARGET) <= 0.5
    assert peak <= CEILING + PEAK_TOLERANCE_DB
    assert peak_mb <= 300

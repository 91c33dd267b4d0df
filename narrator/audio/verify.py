"""``--verify``: the encoded file decoded and measured, as a player would hear it.

Normally the output loudness and true peak are predicted from the clips' statistics (the codec's
share allowed for up front) and tests check the prediction; with ``--verify`` each narration is
decoded and measured before it is kept, and one that misses its target is refused.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

from narrator.audio.meter import LoudnessMeter, floats, to_db
from narrator.audio.truepeak import TruePeakMeter
from narrator.audio_settings import LoudnessReport, LoudnessTarget
from narrator.errors import OutputError
from narrator.ffmpeg import decode_command
from narrator.processes import child_setup

#: How far from its target a narration's integrated loudness may land (issue 13's tolerance).
LOUDNESS_TOLERANCE_LU = 0.5
_PIECE_BYTES = 1 << 18


def measure_encoded(path: Path, rate: int) -> tuple[float, float]:
    """The integrated loudness (LUFS) and true peak (dBTP) of the audio file ``path``, decoded at
    ``rate`` Hz a piece at a time (memory stays flat however long it is)."""
    loudness, peak = LoudnessMeter(rate), TruePeakMeter()
    with subprocess.Popen(decode_command(str(path), rate), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, preexec_fn=child_setup()) as proc:
        if proc.stdout is None or proc.stderr is None:
            raise OutputError("the decoder has no output pipe")
        rest = b""
        while piece := proc.stdout.read(_PIECE_BYTES):
            piece, rest = rest + piece, b""
            if len(piece) % 2:
                piece, rest = piece[:-1], piece[-1:]
            samples = floats(piece)
            loudness.add(samples)
            peak.add(samples)
        message = proc.stderr.read().decode("utf-8", "replace").strip()
        if proc.wait() != 0:
            raise OutputError(f"{path}: could not be decoded to verify it ({message or 'no message'})")
    return loudness.integrated(), to_db(peak.true_peak())


def verified(path: Path, rate: int, report: LoudnessReport, target: LoudnessTarget) -> LoudnessReport:
    """``report`` with the output figures measured from ``path``; OutputError if they miss the
    target by more than ``LOUDNESS_TOLERANCE_LU`` or pass its true-peak ceiling."""
    lufs, peak = measure_encoded(path, rate)
    if abs(lufs - target.integrated_lufs) > LOUDNESS_TOLERANCE_LU or peak > target.true_peak_dbtp:
        raise OutputError(
            f"verification failed: the audio measures {lufs:.2f} LUFS and {peak:.2f} dBTP, not within "
            f"{LOUDNESS_TOLERANCE_LU} LU of {target.integrated_lufs:g} LUFS"
            f" and under {target.true_peak_dbtp:g} dBTP"
        )
    return replace(report, output_lufs=round(lufs, 2), output_true_peak_dbtp=round(peak, 2))

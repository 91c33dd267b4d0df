"""The audio a narration is encoded to and normalized to: settings every zone may read.

The audio zone encodes and measures with these; publishing records them in tags and the manifest.
"""

from __future__ import annotations

from narrator.errors import InputError
from narrator.record import record

#: MPEG-1 layer III rates: spoken word needs at least 64 kbit/s mono for podcast platforms.
SAMPLE_RATES = (32000, 44100, 48000)
BITRATES_KBPS = (64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
#: The LAME tag's encoder field: libmp3lame is LAME, and players look for "LAME" to trust the
#: tag's encoder delay and padding (gapless playback, exact duration).
LAME_TAG_ENCODER = "LAME3.100"


@record
class EncodeSettings:
    """The MP3 format: spoken-word defaults are mono, 44.1 kHz, 64 kbit/s CBR."""

    sample_rate: int = 44100
    bitrate_kbps: int = 64
    channels: int = 1

    def __post_init__(self) -> None:
        if self.sample_rate not in SAMPLE_RATES:
            rates = ", ".join(str(r) for r in SAMPLE_RATES)
            raise InputError(f"sample rate {self.sample_rate} Hz is not one of {rates}")
        if self.bitrate_kbps not in BITRATES_KBPS:
            rates = ", ".join(str(r) for r in BITRATES_KBPS)
            raise InputError(f"bitrate {self.bitrate_kbps} kbit/s is not one of {rates}")
        if self.channels not in (1, 2):
            raise InputError(f"{self.channels} channels: MP3 has 1 (mono) or 2 (stereo)")


MIN_LUFS, MAX_LUFS = -40.0, -5.0
MIN_PEAK_DBTP, MAX_PEAK_DBTP = -12.0, 0.0


@record
class LoudnessTarget:
    """What a normalized narration measures: integrated loudness and a true-peak ceiling."""

    integrated_lufs: float = -16.0
    true_peak_dbtp: float = -1.0

    def __post_init__(self) -> None:
        if not MIN_LUFS <= self.integrated_lufs <= MAX_LUFS:
            raise InputError(
                f"loudness {self.integrated_lufs:g} LUFS is out of range ({MIN_LUFS:g} to {MAX_LUFS:g})"
            )
        if not MIN_PEAK_DBTP <= self.true_peak_dbtp <= MAX_PEAK_DBTP:
            raise InputError(
                f"true peak {self.true_peak_dbtp:g} dBTP is out of range"
                f" ({MIN_PEAK_DBTP:g} to {MAX_PEAK_DBTP:g})"
            )


@record
class LoudnessReport:
    """Measurements before and after normalization (the output is measured, not assumed)."""

    target_lufs: float
    input_lufs: float
    input_true_peak_dbtp: float
    gain_db: float
    limited: bool
    output_lufs: float
    output_true_peak_dbtp: float

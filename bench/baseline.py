"""The bare baseline: libespeak-ng reads the article into a WAV, the same encoder makes the same MP3.

Run as ``python -m bench.baseline ARTICLE OUT.mp3`` so it pays the same cold start as narrator.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from narrator.audio_settings import EncodeSettings
from narrator.espeak_lib import load as _load
from narrator.ffmpeg import ffmpeg_exe


def main(argv: list[str]) -> int:
    source, target = Path(argv[0]), Path(argv[1])
    library = _load()  # in this process, one call for the whole text: no per-sentence isolation
    library.set_voice("fa", None, None)
    pcm, _ = library.synth(source.read_text("utf-8"))
    settings = EncodeSettings()
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "article.wav"
        with wave.open(str(wav), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(library.sample_rate)
            out.writeframes(pcm)
        subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-y", "-i", str(wav), "-ac", "1", "-ar", str(settings.sample_rate),
             "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k", str(target)],
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

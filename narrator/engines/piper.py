"""Piper: natural offline voices (VITS models run with onnxruntime, phonemized by espeak-ng).

The engine speaks with a voice file given as ``--voice PATH.onnx`` or a voice name looked up in the
voices folder (see :mod:`narrator.engines.voices`). ``rate`` is a percentage change of speed
(``+25`` is a quarter faster, ``-20`` a fifth slower); Piper has no pitch control.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from narrator.engines.base import EngineOptions, primary_language
from narrator.engines.voices import VoiceFiles, resolve_voice
from narrator.errors import EngineError, EngineUnavailable, InputError
from narrator.model import Clip, WordTime

if TYPE_CHECKING:
    from piper import AudioChunk, PiperVoice

#: Inputs every Piper VITS voice model takes (``sid`` is added for multi-speaker voices).
REQUIRED_INPUTS = frozenset({"input", "input_lengths", "scales"})
#: Piper voices are named ``<language>_<REGION>-<name>-<quality>``, e.g. ``fa_IR-gyro-medium``.
_VOICE_LANGUAGE = re.compile(r"^([a-z]{2,3})_[A-Z]{2}\b")
MIN_RATE, MAX_RATE = -50, 200

_voices: dict[tuple[str, str, int, int], PiperVoice] = {}
_voices_lock = threading.Lock()
#: Piper phonemizes through one espeak-ng inside its ``espeakbridge``, whose state is global:
#: two threads phonemizing at once garble each other's phonemes, so synthesis is one at a time.
_synthesis_lock = threading.Lock()


def _corrupt(voice: VoiceFiles, what: str, reason: object) -> EngineUnavailable:
    return EngineUnavailable(
        f"Piper voice {voice.name}: {what} is not usable ({reason}); download the voice again "
        f"(both {voice.model.name} and its .onnx.json) into {voice.model.parent}"
    )


def _check_config(voice: VoiceFiles) -> None:
    try:
        data = json.loads(voice.config.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        for key in ("audio", "espeak", "phoneme_id_map", "num_symbols", "num_speakers"):
            if key not in data:
                raise ValueError(f"missing {key!r}")
        int(data["audio"]["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _corrupt(voice, f"configuration {voice.config.name}", exc) from exc


def load_voice(voice: VoiceFiles) -> PiperVoice:
    """Load (once per file version) a Piper voice; EngineUnavailable if it is missing or corrupt."""
    try:
        stat_model, stat_config = voice.model.stat(), voice.config.stat()
    except OSError as exc:
        raise _corrupt(voice, "voice file", exc) from exc
    key = (str(voice.model), str(voice.config), stat_model.st_mtime_ns, stat_config.st_mtime_ns)
    with _voices_lock:
        loaded = _voices.get(key)
        if loaded is not None:
            return loaded
        _check_config(voice)
        try:
            from piper import PiperVoice
        except ImportError as exc:
            raise EngineUnavailable(f"the piper-tts package is not installed: {exc}") from exc
        try:
            # With the onnx package, Piper exposes each phoneme's length, which gives word timings.
            align = importlib.util.find_spec("onnx") is not None
            loaded = PiperVoice.load(voice.model, config_path=voice.config, include_alignments=align)
        except Exception as exc:  # onnxruntime raises its own unrelated exception classes
            raise _corrupt(voice, f"model {voice.model.name}", exc) from exc
        names = {i.name for i in loaded.session.get_inputs()}
        if not names >= REQUIRED_INPUTS:
            raise _corrupt(voice, f"model {voice.model.name}", f"inputs {sorted(names)} are not Piper's")
        _voices[key] = loaded
        return loaded


def length_scale(rate: int | None, base: float) -> float:
    """Piper's phoneme length scale for a speed change of ``rate`` percent.

    >>> length_scale(None, 1.0), length_scale(100, 1.0), length_scale(-50, 1.0)
    (1.0, 0.5, 2.0)
    """
    if rate is None:
        return base
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InputError(f"piper rate must be a percentage between {MIN_RATE} and +{MAX_RATE}, not {rate}")
    return base * 100 / (100 + rate)


@dataclass
class PiperEngine:
    """Offline neural voices through piper-tts; ``voices_folder`` overrides ``NARRATOR_VOICES``."""

    options: EngineOptions
    voices_folder: Path | None = None
    name: str = "piper"
    max_chars: int = 2000
    _resolved: VoiceFiles | None = field(default=None, init=False, repr=False)

    def voice_files(self) -> VoiceFiles:
        """The voice this engine speaks with; EngineUnavailable saying where to put one."""
        if self._resolved is None:
            self._resolved = resolve_voice(self.options.voice, self.voices_folder)
        return self._resolved

    @property
    def online(self) -> bool:
        return False

    @property
    def languages(self) -> frozenset[str]:
        """Persian without ``--voice`` (only Persian voices are looked for), else the named voice's
        language, from its name or else its configuration's espeak-ng voice."""
        if self.options.voice is None:
            return frozenset({"fa"})
        found = _VOICE_LANGUAGE.match(Path(self.options.voice).name)
        if found:
            return frozenset({found.group(1)})
        try:
            config = json.loads(self.voice_files().config.read_text(encoding="utf-8"))
            return frozenset({primary_language(str(config["espeak"]["voice"]))})
        except (EngineError, OSError, ValueError, KeyError, TypeError):
            return frozenset()

    @property
    def reads_through_espeak(self) -> bool:
        return True

    @property
    def voice_label(self) -> str:
        """The voice's name (``fa_IR-gyro-medium``), or what was asked for when it cannot be found."""
        try:
            return self.voice_files().name
        except EngineError:
            return self.options.voice or "piper"

    def probe(self) -> str | None:
        """Nothing to reach: Piper runs in this process."""
        return None

    def available(self) -> str | None:
        try:
            load_voice(self.voice_files())
        except EngineError as exc:
            return str(exc)
        return None

    def settings_key(self) -> str:
        voice = self.voice_files()
        stat = voice.model.stat()
        return f"piper|{voice.name}|size={stat.st_size}|mtime={stat.st_mtime_ns}|rate={self.options.rate}"

    def synthesize(self, text: str) -> Clip:
        from piper import SynthesisConfig

        voice = load_voice(self.voice_files())
        config = SynthesisConfig(length_scale=length_scale(self.options.rate, voice.config.length_scale))
        try:
            with _synthesis_lock:
                chunks = list(voice.synthesize(text, syn_config=config, include_alignments=True))
        except Exception as exc:  # onnxruntime and the phonemizer raise unrelated classes
            raise EngineError(f"piper failed to speak with {self.voice_files().name}: {exc}") from exc
        pcm = b"".join(chunk.audio_int16_bytes for chunk in chunks)
        if not pcm:
            raise EngineError(f"piper produced no audio for {text[:40]!r}: nothing in it can be pronounced")
        rate = voice.config.sample_rate
        return Clip(pcm=pcm, sample_rate=rate, words=word_times(text, chunks, rate))


def _in_word(phoneme: str) -> bool:
    """A phoneme that belongs to a word: not a space, Piper's ``^ $ _`` markers or punctuation."""
    if phoneme in (" ", "^", "$", "_"):
        return False
    return not all(unicodedata.category(ch).startswith("P") for ch in phoneme)


def _phoneme_words(chunks: list[AudioChunk]) -> list[tuple[int, int]] | None:
    """Sample spans of the words Piper spoke (phonemes between spaces), or None without alignments."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for chunk in chunks:
        if chunk.phoneme_alignments is None:
            return None
        at, word = offset, None
        for aligned in chunk.phoneme_alignments:
            samples = int(aligned.num_samples)
            if _in_word(aligned.phoneme):
                word = (at if word is None else word[0], at + samples)
            elif aligned.phoneme == " " and word is not None:
                spans.append(word)
                word = None
            at += samples
        if word is not None:
            spans.append(word)
        offset += len(chunk.audio_float_array)
    return spans


def word_times(text: str, chunks: list[AudioChunk], sample_rate: int) -> tuple[WordTime, ...]:
    """Word timings from Piper's phoneme alignments, when the voice gives them and espeak-ng spoke
    exactly the words of ``text`` (a number it expanded into several words gives none)."""
    spans = _phoneme_words(chunks)
    words = [w for w in text.split() if any(ch.isalnum() for ch in w)]
    if spans is None or len(spans) != len(words):
        return ()
    return tuple(
        WordTime(text=word, start_ms=start * 1000 // sample_rate, end_ms=end * 1000 // sample_rate)
        for word, (start, end) in zip(words, spans, strict=True)
    )

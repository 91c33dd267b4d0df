"""espeak-ng in-process, through the libespeak-ng that the espeakng-loader wheel ships."""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field

from narrator.engines.base import EngineOptions
from narrator.errors import EngineError, EngineUnavailable, InputError
from narrator.model import Clip

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_ESPEAK_PITCH = 3
_PHONEMES_IPA = 0x02
_DEFAULT_WPM = 175
_DEFAULT_PITCH = 50
RATE_RANGE = (-50, 200)


def words_per_minute(rate: int | None) -> int:
    """espeak-ng's speed for a percent change of the default 175 words a minute.

    >>> words_per_minute(None), words_per_minute(20), words_per_minute(-50)
    (175, 210, 88)
    """
    if rate is None:
        return _DEFAULT_WPM
    if not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
        low, high = RATE_RANGE
        raise InputError(f"--rate {rate} is out of range for espeak ({low} to +{high} percent)")
    return round(_DEFAULT_WPM * (100 + rate) / 100)

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Library:
    """The loaded libespeak-ng; it keeps global state, so every call holds ``lock``."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lock = threading.Lock()
        self._chunks: list[bytes] = []
        lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int,
        ]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        data = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise EngineUnavailable("espeak-ng could not start: its data folder did not load")
        self.sample_rate: int = rate
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)
        self.lib = lib

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
        if count > 0 and wav:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def set_voice(self, voice: str, rate: int | None, pitch: int | None) -> None:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineUnavailable(f"espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(_ESPEAK_RATE, words_per_minute(rate), 0)
        self.lib.espeak_SetParameter(_ESPEAK_PITCH, min(100, max(0, _DEFAULT_PITCH + (pitch or 0))), 0)

    def synth(self, text: str) -> bytes:
        self._chunks = []
        data = text.encode("utf-8")
        status = self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _ESPEAK_CHARS_UTF8, None, None)
        if status != 0 or self.lib.espeak_Synchronize() != 0:
            raise EngineError(f"espeak-ng failed to speak (status {status})")
        return b"".join(self._chunks)

    def phonemes(self, text: str) -> str:
        pointer = ctypes.c_char_p(text.encode("utf-8"))
        parts: list[str] = []
        while pointer.value:
            out = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), _ESPEAK_CHARS_UTF8, _PHONEMES_IPA)
            if out is None:
                break
            parts.append(out.decode("utf-8"))
        return " ".join(parts)


_library: _Library | None = None
_library_lock = threading.Lock()


def _load() -> _Library:
    global _library
    with _library_lock:
        if _library is None:
            _library = _Library()
        return _library


@dataclass
class EspeakEngine:
    """The offline default: espeak-ng's Persian voice."""

    options: EngineOptions
    name: str = "espeak"
    max_chars: int = 4000
    _voice_checked: bool = field(default=False, init=False, repr=False, compare=False)

    @property
    def voice(self) -> str:
        return self.options.voice or self.options.lang or "fa"

    def available(self) -> str | None:
        try:
            library = _load()
            with library.lock:
                library.set_voice(self.voice, self.options.rate, self.options.pitch)
        except (OSError, ImportError) as exc:
            return f"libespeak-ng did not load: {exc}"
        except EngineError as exc:
            return str(exc)
        return None

    def settings_key(self) -> str:
        return f"espeak|{self.voice}|rate={self.options.rate}|pitch={self.options.pitch}"

    def synthesize(self, text: str) -> Clip:
        from narrator.engines.espeak_fresh import fresh_synth  # same text, same samples

        library = _load()
        if not self._voice_checked:  # an unknown voice is EngineUnavailable, said here
            with library.lock:
                library.set_voice(self.voice, self.options.rate, self.options.pitch)
            self._voice_checked = True
        pcm = fresh_synth(self.voice, self.options.rate, self.options.pitch, text)
        return Clip(pcm=pcm, sample_rate=library.sample_rate)


def phonemize(text: str, voice: str = "fa") -> str:
    """espeak-ng's IPA for ``text``: what the voice will say, with ``(en)`` where it switches."""
    library = _load()
    with library.lock:
        library.set_voice(voice, None, None)
        return library.phonemes(text)

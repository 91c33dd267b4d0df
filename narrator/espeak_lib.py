"""libespeak-ng loaded in-process through ctypes (the espeakng-loader wheel ships it).

A shared leaf module: the espeak engine synthesizes with it, and the text zone asks its English
voice how a Latin word is pronounced (:func:`phonemize`). The library keeps global state (the
current voice), so every call holds one lock.
"""

from __future__ import annotations

import ctypes
import threading

from narrator.errors import EngineError, EngineUnavailable, InputError

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

_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """``espeak_EVENT`` of speak_lib.h: what the synthesis callback reports besides audio."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # in characters, from 1
        ("length", ctypes.c_int),  # in characters
        ("audio_position", ctypes.c_int),  # ms from the start of the text
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


class _Library:
    """The loaded libespeak-ng; it keeps global state, so every call holds ``lock``."""

    def __init__(self, library_path: str | None = None, data_path: str | None = None) -> None:
        if library_path is None or data_path is None:
            import espeakng_loader

            library_path, data_path = espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
        self.lock = threading.Lock()
        self._pcm = bytearray()
        self._words: list[tuple[int, int, int]] = []
        lib = ctypes.cdll.LoadLibrary(library_path)
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
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), 0)
        if rate <= 0:
            raise EngineUnavailable("espeak-ng could not start: its data folder did not load")
        self.sample_rate: int = rate
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)
        self.lib = lib

    def _collect(
        self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]
    ) -> int:
        if count > 0 and wav:
            self._pcm += ctypes.string_at(wav, count * 2)
        index = 0
        while events and events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_WORD:
                self._words.append((event.text_position, event.length, event.audio_position))
            index += 1
        return 0

    def set_voice(self, voice: str, rate: int | None, pitch: int | None) -> None:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineUnavailable(f"espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(_ESPEAK_RATE, words_per_minute(rate), 0)
        self.lib.espeak_SetParameter(_ESPEAK_PITCH, min(100, max(0, _DEFAULT_PITCH + (pitch or 0))), 0)

    def synth(self, text: str) -> tuple[bytes, list[tuple[int, int, int]]]:
        """The audio of ``text`` and its word events (character position, length, ms)."""
        pcm, words = self.synth_buffer(text)
        return bytes(pcm), words

    def synth_buffer(self, text: str) -> tuple[bytearray, list[tuple[int, int, int]]]:
        """:meth:`synth`, the audio in the buffer it was gathered in (no copy of it is made)."""
        self._pcm = bytearray()
        self._words = []
        data = text.encode("utf-8")
        status = self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _ESPEAK_CHARS_UTF8, None, None)
        if status != 0 or self.lib.espeak_Synchronize() != 0:
            raise EngineError(f"espeak-ng failed to speak (status {status})")
        return self._pcm, self._words

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


def load() -> _Library:
    """The one loaded library (loaded on first use)."""
    return _load()


def load_from(library_path: str, data_path: str) -> _Library:
    """The library at ``library_path`` with its data at ``data_path`` (where espeakng-loader says
    they are), loaded anew: for a process that must not import espeakng-loader's dependencies."""
    return _Library(library_path, data_path)


def phonemize(text: str, voice: str = "fa") -> str:
    """espeak-ng's IPA for ``text``: what the voice will say, with ``(en)`` where it switches."""
    library = _load()
    with library.lock:
        library.set_voice(voice, None, None)
        return library.phonemes(text)

"""A Latin word in Persian letters from its English pronunciation, the way Persian newsrooms spell
foreign names: espeak-ng's English voice gives the IPA, and each sound becomes Persian letters
(short vowels unwritten inside a word, long ones written, an ``ا`` carrier at the start).

>>> from_ipa("bˈaɪdən")
'بایدن'
>>> from_ipa("nˈɛtflɪks")
'نتفلیکس'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from narrator import regex

Phonemizer = Callable[[str], str]

# Sounds, longest first; each: (IPA, at the start, inside, at the end).
_VOWELS = (
    ("aɪə", "آیه", "ایه", "ایه"), ("aɪ", "آی", "ای", "ای"), ("eɪ", "ای", "ی", "ی"),
    ("oʊ", "او", "و", "و"), ("aʊ", "آو", "او", "او"), ("ɔɪ", "اوی", "وی", "وی"),
    ("iə", "ایا", "یا", "یا"), ("iː", "ای", "ی", "ی"), ("uː", "او", "و", "و"),
    ("ɑː", "آ", "ا", "ا"), ("ɔː", "او", "و", "و"), ("ɜː", "ار", "ر", "ر"),
    ("ɪ", "ای", "ی", "ی"), ("ᵻ", "ای", "ی", "ی"), ("i", "ای", "ی", "ی"), ("ʊ", "او", "و", "و"),
    ("u", "او", "و", "و"), ("ɛ", "ا", "", "ه"), ("e", "ا", "", "ه"), ("æ", "ا", "", "ا"),
    ("ʌ", "آ", "ا", "ا"), ("ɑ", "آ", "ا", "ا"), ("ɒ", "آ", "ا", "ا"), ("ɐ", "ا", "ا", "ا"),
    ("ɔ", "او", "و", "و"), ("ə", "ا", "", "ا"), ("ɚ", "ار", "ر", "ر"), ("ɝ", "ار", "ر", "ر"),
    ("o", "او", "و", "و"), ("a", "آ", "ا", "ا"),
)  # fmt: skip
_CONSONANTS = (
    ("tʃ", "چ"), ("dʒ", "ج"), ("ŋk", "نک"), ("ŋɡ", "نگ"), ("ŋ", "نگ"), ("p", "پ"), ("b", "ب"),
    ("t", "ت"), ("d", "د"), ("k", "ک"), ("ɡ", "گ"), ("g", "گ"), ("f", "ف"), ("v", "و"), ("θ", "ت"),
    ("ð", "د"), ("s", "س"), ("z", "ز"), ("ʃ", "ش"), ("ʒ", "ژ"), ("h", "ه"), ("m", "م"), ("n", "ن"),
    ("l", "ل"), ("ɫ", "ل"), ("ɹ", "ر"), ("r", "ر"), ("ɾ", "ت"), ("j", "ی"), ("w", "و"), ("x", "خ"),
    ("ʔ", "ت"), ("ç", "ه"), ("ɬ", "ل"), ("n̩", "ن"), ("l̩", "ل"),
)  # fmt: skip
_SOUNDS = sorted(
    [(ipa, (start, inside, end)) for ipa, start, inside, end in _VOWELS]
    + [(ipa, (persian, persian, persian)) for ipa, persian in _CONSONANTS],
    key=lambda item: -len(item[0]),
)
_LONG_WORD = 3  # vowels
_LONG_AE = ("آ", "ا", "ا")
_VOWEL_IPA = frozenset(ipa for ipa, *_ in _VOWELS)
_IGNORED = regex.compile("[ˈˌˑ.‿\u0303-]")
_S_CLUSTER = regex.compile("^[sʃ][ptkmnlwfɹ]")
_DOUBLED = regex.compile("رر")
_PERSIAN_ONLY = regex.compile("^[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc\u200c]+$")


def _sounds(ipa: str) -> list[tuple[str, tuple[str, str, str]]]:
    """The IPA cut into known sounds, longest match first; unknown symbols are skipped."""
    out: list[tuple[str, tuple[str, str, str]]] = []
    i = 0
    while i < len(ipa):
        if _IGNORED.match(ipa, i):
            i += 1
            continue
        for sound, spellings in _SOUNDS:
            if ipa.startswith(sound, i):
                out.append((sound, spellings))
                i += len(sound)
                break
        else:
            i += 1
    return out


def from_ipa(ipa: str) -> str:
    """Persian letters for one word's English IPA: ``'ˈæpəl'`` -> ``'اپل'``.

    A vowel is spelled by where it stands (a carrier ``ا``/``آ`` at the start, short vowels
    unwritten inside the word, but /æ/ written in names of three vowels or more); an initial
    ``s`` cluster takes a leading ``ا`` (``استارلینک``).
    """
    plain = _IGNORED.sub("", ipa)
    sounds = _sounds(ipa)
    if sum(sound in _VOWEL_IPA for sound, _ in sounds) >= _LONG_WORD:
        # In longer names /æ/ is written (آتلانتا, آلاباما); in short ones not (جکسون, مکس).
        sounds = [(s, _LONG_AE) if s == "æ" else (s, spelled) for s, spelled in sounds]
    letters: list[str] = []
    for index, (sound, (start, inside, end)) in enumerate(sounds):
        if index == 0:
            letters.append(start)
        elif index == len(sounds) - 1:
            letters.append(end)
        elif sound in _VOWEL_IPA and sounds[index - 1][0] in _VOWEL_IPA:
            letters.append(start.lstrip("اآ") or inside)  # a vowel after a vowel: no carrier
        else:
            letters.append(inside)
    word = "".join(letters)
    if _S_CLUSTER.match(plain):
        word = "ا" + word
    return _DOUBLED.sub("ر", word)


def _espeak_english(word: str) -> str:
    from narrator.espeak_lib import phonemize

    return phonemize(word, "en-us")


@lru_cache(maxsize=4096)
def _cached(word: str, phonemizer: Phonemizer) -> str | None:
    try:
        ipa = phonemizer(word)
    except (OSError, ImportError, RuntimeError):
        return None  # no espeak-ng here: the caller falls back to spelling rules
    parts = ipa.split()
    if len(parts) != 1:
        return None  # espeak expanded it («xiv» -> «Roman fourteen»): not a plain word
    spelled = from_ipa(parts[0])
    # A single letter would be read as its name («د» is «dāl»).
    return spelled if len(spelled) > 1 and _PERSIAN_ONLY.match(spelled) else None


def english_word(word: str, phonemizer: Phonemizer | None = None) -> str | None:
    """``word`` in Persian letters by its English pronunciation, or ``None`` when espeak-ng
    cannot say (``phonemizer`` gives IPA for a word; default espeak-ng's ``en-us`` voice).

    >>> english_word("Spotify", lambda _: "spˈɑːɾᵻfˌaɪ")
    'اسپاتیفای'
    """
    return _cached(word, phonemizer or _espeak_english)


__all__ = ["english_word", "from_ipa"]

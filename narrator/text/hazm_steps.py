"""hazm's ``Normalizer(correct_spacing=False)`` steps, run from :class:`HazmData` without hazm.

Each method repeats the hazm 0.12 method of the same name (``hazm/normalizer.py``) on the cached
tables, and :meth:`HazmSteps.normalize` runs them in hazm's order: translate, persian_style,
persian_number, remove_diacritics, unicodes_replacement, remove_specials_chars,
decrease_repeated_chars, seperate_mi. Tests check the result equals hazm's on news text and on
generated text. Unlike hazm, the translation tables and patterns are built once, not per call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from narrator import regex
from narrator.text.hazm_data import HazmData

ZWNJ = "\u200c"
# hazm's seperate_mi: a word starting with «می» or «نمی», split after it when that is a verb form.
_MI_WORD = regex.compile(r"\bن?می[آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی]+")
_MI_PREFIX = regex.compile(r"^(ن?می)")

_Compiled = tuple[tuple[re.Pattern[str], str], ...]


class WordLookup(Protocol):
    """What the steps ask of a word list (a :class:`~narrator.text.hazm_data.WordTable`)."""

    def count(self, word: str) -> int | None:
        """The word's count (0 if it has none), ``None`` if the word is not listed."""
        ...

    def __contains__(self, word: object) -> bool: ...


def _compile(pairs: tuple[tuple[str, str], ...]) -> _Compiled:
    return tuple((regex.compile(pattern), replacement) for pattern, replacement in pairs)


def _any_of(table: dict[int, str]) -> re.Pattern[str]:
    """A pattern matching any one of the characters ``table`` maps."""
    return regex.compile("[" + "".join(re.escape(chr(code)) for code in sorted(table)) + "]")


def _substitute(patterns: _Compiled, text: str) -> str:
    for pattern, replacement in patterns:
        text = pattern.sub(replacement, text)
    return text


class HazmSteps:
    """hazm's normalization steps over the compact data (tables compiled once).

    >>> from narrator.text.normalize import hazm_steps
    >>> hazm_steps().normalize("اِعلاممممم كرد ميرفتند 12.5%")
    'اعلام کرد می\u200cرفتند ۱۲٫۵٪'
    """

    def __init__(self, data: HazmData, words: WordLookup | None = None,
                 verbs: WordLookup | None = None,
                 keep_joined: Callable[[str, str], bool] | None = None) -> None:
        """Steps over ``data``; ``words``/``verbs`` replace its word lists (e.g. with hazm's own).

        ``keep_joined(word, separated)``, when given, vetoes a «می» split hazm would make (a noun
        such as ``میدانی`` that is also a verb form); without it the steps are exactly hazm's.
        """
        self.keep_joined = keep_joined
        self.words: WordLookup = data.words if words is None else words
        self.verbs: WordLookup = data.verbs if verbs is None else verbs
        # hazm builds these with its ``maketrans``: a dict in which a repeated source's last
        # mapping wins, exactly as here.
        self._translation = {ord(a): b for a, b in zip(*data.translation, strict=False)}
        self._numbers = {ord(a): b for a, b in zip(*data.numbers, strict=False)}
        # ``str.translate`` looks every character up; most lines hold none of the characters, which
        # a regex finds far faster.
        self._has_translatable = _any_of(self._translation)
        self._has_number = _any_of(self._numbers)
        self._persian_style = _compile(data.persian_style)
        self._diacritics = _compile(data.diacritics)
        self._specials = _compile(data.specials)
        self._unicode_replacements = data.unicode_replacements
        self.affix_spacing = _compile(data.affix_spacing)
        self._repeated_chars = regex.compile(data.repeated_chars)
        self._more_than_two_repeat = regex.compile(data.more_than_two_repeat)

    def normalize(self, text: str) -> str:
        """``hazm.Normalizer(correct_spacing=False).normalize(text)``."""
        if self._has_translatable.search(text):
            text = text.translate(self._translation)
        text = self.persian_style(text)
        text = self.persian_number(text)
        text = self.remove_diacritics(text)
        text = self.unicodes_replacement(text)
        text = self.remove_specials_chars(text)
        text = self.decrease_repeated_chars(text)
        return self.seperate_mi(text)

    def persian_style(self, text: str) -> str:
        """``"…"`` to ``«…»``, a point between digits to ``٫``, ``...`` to ``…``."""
        return _substitute(self._persian_style, text)

    def persian_number(self, text: str) -> str:
        """Latin and Arabic-Indic digits and ``%`` to Persian ones."""
        return text.translate(self._numbers) if self._has_number.search(text) else text

    def remove_diacritics(self, text: str) -> str:
        """Short vowels, tanwin, shadda and sukun removed."""
        return _substitute(self._diacritics, text)

    def remove_specials_chars(self, text: str) -> str:
        """Quranic marks and honorific ligatures removed."""
        return _substitute(self._specials, text)

    def unicodes_replacement(self, text: str) -> str:
        """Ligatures spelt out (literal replacements, as hazm does them)."""
        for old, new in self._unicode_replacements:
            text = text.replace(old, new)
        return text

    def decrease_repeated_chars(self, text: str) -> str:
        """A letter repeated three or more times in an unknown word brought down to one or two."""
        return self._repeated_chars.sub(self._decrease_word, text)

    def _decrease_word(self, match: re.Match[str]) -> str:
        # hazm edits the matches from the last to the first, each within its own span: the same
        # as substituting each match in turn.
        word = match.group()
        words = self.words
        if word in words:
            return word
        no_repeat = self._more_than_two_repeat.sub(r"\1", word)
        two_repeat = self._more_than_two_repeat.sub(r"\1\1", word)
        no_repeat_known = no_repeat in words
        if no_repeat_known != (two_repeat in words):
            return no_repeat if no_repeat_known else two_repeat
        return two_repeat

    def seperate_mi(self, text: str) -> str:
        """A ZWNJ after «می» / «نمی» where the word then is one of hazm's verb forms."""
        return _MI_WORD.sub(self._separate_word, text)

    def _separate_word(self, match: re.Match[str]) -> str:
        word = match.group(0)
        separated = _MI_PREFIX.sub("\\1" + ZWNJ, word)
        if separated not in self.verbs:
            return word
        if self.keep_joined is not None and self.keep_joined(word, separated):
            return word
        return separated

"""A rule-based ezafe baseline (no model), kept only to show what the CRF tagger gains over it
(tests/test_ezafe_gold.py, bench/bench_ezafe.py)."""

from __future__ import annotations

from collections.abc import Sequence

from narrator.text.ezafe import Token, apply_marks, tokenize

_FUNCTION_WORDS = frozenset({
    "از", "به", "با", "در", "بر", "برای", "تا", "که", "و", "یا", "اما", "ولی", "را", "این", "آن",
    "همین", "همان", "هر", "چه", "چند", "یک", "هیچ", "نیز", "هم", "اگر", "چون", "زیرا", "پس", "سپس",
    "بلکه", "وی", "او", "آنها", "ما", "من", "تو", "شما", "ایشان", "خود", "است", "هست", "نیست",
    "بود", "شد", "شود", "می", "کرد", "کند", "کرده", "شده", "بوده", "باید", "نباید", "خواهد", "داد",
    "دارد", "داشت", "گفت", "گفته", "یافت", "رسید", "ای", "چنین", "چنان", "دیگر", "بسیار", "خیلی",
    "نه", "آیا", "طی", "درباره", "علیه", "توسط", "بین", "میان", "پیش", "روی", "زیر",
})
_VERB_ENDINGS = ("ند", "یم", "ید", "ست", "شد", "کرد", "کند", "شود", "دهد", "گیرد")


def _looks_like_verb(word: str) -> bool:
    return word.startswith(("می‌", "نمی‌")) or word.endswith(_VERB_ENDINGS) or word in _FUNCTION_WORDS


def rule_based_flags(tokens: Sequence[Token]) -> list[bool]:
    """Baseline: a content word followed by another content word takes the ezafe.

    Content word here: a word that is not a preposition, conjunction, pronoun, demonstrative,
    common verb or auxiliary. It cannot tell ``این طرحِ مهم`` from ``این طرح مهم است``.
    """
    flags: list[bool] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        flags.append(
            token.is_word
            and following is not None
            and following.is_word
            and token.text not in _FUNCTION_WORDS
            and not _looks_like_verb(token.text)
            and not _looks_like_verb(following.text)
        )
    return flags


def rule_based_mark(sentence: str) -> str:
    """The sentence marked by :func:`rule_based_flags` (the comparison baseline, no model)."""
    tokens = tokenize(sentence)
    return apply_marks(sentence, tokens, rule_based_flags(tokens))

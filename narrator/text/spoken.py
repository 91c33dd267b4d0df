"""The spoken form: the rules in order, then only speakable Persian is kept.

The engine must receive Persian letters, ZWNJ, spaces and a little punctuation (``. ، ؛ : ! ؟``)
and nothing else: no digit of any script, no symbol, no Latin letter. Every rule before the final
filter turns what it recognises into words; the filter drops whatever is left, so the guarantee
holds for any input.

>>> speak("۱۲٫۵٪ از WHO")
'دوازده و نیم درصد از دابلیو\u200cاچ\u200cاو'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from narrator import regex
from narrator.text import abbreviations, dates, latin, quantities, roman, web
from narrator.text.lexicon import Lexicon
from narrator.text.normalize import LETTERS, ZWNJ, affix_candidates, normalize, renormalize, tidy_spaces
from narrator.text.rules import Replacement, Rule, apply_rules

PERSIAN_LETTERS = "ءآأؤإئابتثجحخدذرزسشصضطظعغفقلمنهوپچژکگی"
PUNCTUATION = ".،؛:!؟"
DIACRITICS = "\u064b-\u0652"  # kept only when a user's lexicon puts them in a spoken form

_OTHER_DIGIT = regex.compile(r"(?![0-9۰-۹٠-٩])\d")
_SYMBOLS = {
    "&": " و ", "=": " مساوی ", "×": " ضرب در ", "÷": " تقسیم بر ", ",": "،", ";": "؛",
    "?": "؟", "٬": "،", "٫": " ", "\n": ". ",
}  # fmt: skip
_SYMBOL = regex.compile("|".join(re.escape(s) for s in _SYMBOLS))
_NOT_SPEAKABLE = regex.compile(f"[^{PERSIAN_LETTERS}{DIACRITICS}{PUNCTUATION}{ZWNJ} ]+")
_SPACE_BEFORE_PUNCT = regex.compile(f" +(?=[{PUNCTUATION}])")
_PUNCT_RUN = regex.compile(f"[{PUNCTUATION}](?:[ {PUNCTUATION}]*[{PUNCTUATION}])?")
_PUNCT_GLUED = regex.compile(f"(?<=[{PUNCTUATION}])(?=[{PERSIAN_LETTERS}])")
_LEADING_PUNCT = regex.compile(f"^[ {PUNCTUATION}]+")
_HAS_LETTER = regex.compile(f"[{PERSIAN_LETTERS}]")
MAX_SETTLE = 4


def _other_digit(match: re.Match[str]) -> str:
    return str(unicodedata.decimal(match.group(0), 0))


SCRIPT_DIGITS = Rule("digits-other-scripts", "characters", _OTHER_DIGIT, _other_digit)
SYMBOLS = Rule("symbol", "symbol", _SYMBOL, lambda m: _SYMBOLS[m.group(0)])
_ELLIPSIS = regex.compile(r"(?:…|\.{2,})[.…]*")
_CLOSING = " »\"')]}"


_AND_BEFORE = regex.compile(f"(?<![{LETTERS}{ZWNJ}])و ?$")


def _ellipsis(match: re.Match[str]) -> str:
    """A pause: a comma inside the sentence, a full stop at its end; after «و» it is «و غیره»
    (``تهران و … تشکیل شد`` -> ``تهران و غیره تشکیل شد``)."""
    at_end = not match.string[match.end() :].strip(_CLOSING + ".")
    if _AND_BEFORE.search(match.string, 0, match.start()):
        return " غیره. " if at_end else " غیره "
    return ". " if at_end else "، "


ELLIPSIS = Rule("ellipsis", "symbol", _ELLIPSIS, _ellipsis, needs=regex.compile(r"…|\.\."))


_DIGIT = regex.compile(r"\d")
# Free-form words may need the full re-normalization: Latin (transliterated) and words glued
# to something that is read or dropped («۱۲٫۵میشود», «¹میشود»), which hazm could not see as
# words while the glue was there.
# Plain prose (letters, spaces, ZWNJ, punctuation, a final stop) meets no rule at all.
_NEEDS_RULES = regex.compile(f"[^{LETTERS}{ZWNJ} ،؛:!؟«»]|\\.(?=.)|الخ")
_FREE_FORM = regex.compile(
    f"[A-Za-z]|[{LETTERS}][^{LETTERS}{ZWNJ} .،؛:!؟»)\\]]|[^{LETTERS}{ZWNJ} .،؛:!؟«(\\[][{LETTERS}]"
)


@lru_cache(maxsize=1)
def rule_groups() -> tuple[tuple[re.Pattern[str] | None, tuple[Rule, ...]], ...]:
    """The built-in rules in the order they run, grouped under a cheap gate: a group whose gate
    finds nothing in a sentence is skipped whole (most sentences have no digit and no Latin)."""
    fraction = next(rule for rule in quantities.NUMBER_RULES if rule.name == "fraction")
    numbers = tuple(rule for rule in quantities.NUMBER_RULES if rule is not fraction)
    return (
        (None, (SCRIPT_DIGITS, *latin.RULES[:2], *web.RULES, abbreviations.abbreviation_rule())),
        (None, roman.RULES),
        (_DIGIT, (*dates.RULES, abbreviations.ERA, abbreviations.SHORT_YEAR_ERA, quantities.RULES[0])),
        (None, quantities.RULES[1:]),
        (None, (latin.RULES[2], fraction)),
        (_DIGIT, numbers),
        (None, (ELLIPSIS, SYMBOLS)),
    )


def builtin_rules() -> tuple[Rule, ...]:
    """Every built-in rule in the order it runs."""
    return tuple(rule for _, rules in rule_groups() for rule in rules)


def _apply_builtin(text: str, record: list[Replacement] | None) -> str:
    for gate, rules in rule_groups():
        if gate is None or gate.search(text):
            text = apply_rules(rules, text, record)
    return text


def _punct_run(match: re.Match[str]) -> str:
    run = match.group(0)
    for mark in "؟!.؛:":
        if mark in run:
            return mark
    return run[0]


def keep_speakable(text: str) -> str:
    """Only Persian letters (and diacritics), ZWNJ, spaces and ``. ، ؛ : ! ؟``, tidily spaced."""
    text = _NOT_SPEAKABLE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    text = _PUNCT_RUN.sub(_punct_run, text)
    text = _PUNCT_GLUED.sub(" ", text)
    text = _LEADING_PUNCT.sub("", tidy_spaces(text))
    return text if _HAS_LETTER.search(text) else ""


def settle(text: str, thorough: bool = True) -> str:
    """Filter and re-normalize until nothing changes, so the spoken form is a fixed point.

    Rules write whole words set off by spaces, so re-normalizing can only matter where a
    standalone affix was left (``می``, ``ها``, ``ی`` once a glued digit became words) or where
    free-form words came in (Latin transliterations, a user's lexicon: ``thorough``).
    """
    text = keep_speakable(text)
    if not thorough and not affix_candidates(text):
        return text
    for _ in range(MAX_SETTLE):
        again = keep_speakable(renormalize(text))
        if again == text:
            break
        text = again
    return text


def speak(written: str, lexicon: Lexicon | None = None, record: list[Replacement] | None = None) -> str:
    """The spoken form of a written (normalized) sentence; replacements go to ``record``."""
    if lexicon is None and not _NEEDS_RULES.search(written):
        return keep_speakable(written)  # plain Persian prose: no rule can apply
    text = written
    if lexicon is not None:
        text = apply_rules(lexicon.rules(), text, record)
    text = _apply_builtin(text, record)
    return settle(text, thorough=lexicon is not None or _FREE_FORM.search(written) is not None)


def spoken_form(raw: str, lexicon: Lexicon | None = None) -> str:
    """Normalize then speak: the whole text-to-spoken path for one piece of text."""
    return speak(normalize(raw), lexicon)

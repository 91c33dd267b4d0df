"""Text in: loading, normalization, numbers, dates, Latin, abbreviations, lexicon, sentences."""

from narrator.text.explain import Explained, explain, format_explanation, replacements
from narrator.text.lexicon import Lexicon, load_lexicon, parse_lexicon
from narrator.text.load import decode_article
from narrator.text.normalize import normalize
from narrator.text.prepare import is_prose, prepare
from narrator.text.rules import Replacement
from narrator.text.sentences import split_for_engine, split_sentences
from narrator.text.spoken import speak, spoken_form

__all__ = [
    "Explained",
    "Lexicon",
    "Replacement",
    "decode_article",
    "explain",
    "format_explanation",
    "is_prose",
    "load_lexicon",
    "normalize",
    "parse_lexicon",
    "prepare",
    "replacements",
    "speak",
    "split_for_engine",
    "split_sentences",
    "spoken_form",
]

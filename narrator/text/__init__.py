"""Text in: loading, normalization, numbers, sentences."""

from narrator.text.load import decode_article, read_article
from narrator.text.prepare import prepare

__all__ = ["decode_article", "prepare", "read_article"]

"""JSON text for people and programs: laid out over lines, written by json's C encoder.

``json.dumps(..., indent=2)`` runs json's pure-Python encoder (the C one only writes without an
indent): for a narration's manifest, thousands of word times, about ten times slower. Here the
outer levels are laid out one item a line and everything deeper is written on one line by the C
encoder: the same data, as readable where it matters.
"""

from __future__ import annotations

import json
from typing import Any

_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def dumps(value: Any, depth: int) -> str:
    """``value`` as JSON text, objects and lists of the outer ``depth`` levels one item a line
    (two spaces an indent), deeper values each on one line; a final newline."""
    return _laid(value, 0, depth) + "\n"


def _laid(value: Any, level: int, depth: int) -> str:
    if level >= depth or not value or not isinstance(value, dict | list):
        return _COMPACT.encode(value)
    pad, close = "  " * (level + 1), "  " * level
    if isinstance(value, dict):
        items = (f"{pad}{_COMPACT.encode(str(k))}: {_laid(v, level + 1, depth)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + close + "}"
    return "[\n" + ",\n".join(pad + _laid(item, level + 1, depth) for item in value) + "\n" + close + "]"

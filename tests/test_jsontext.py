"""JSON laid out over lines by the C encoder: the same data as json.dumps, readable to a depth."""

from __future__ import annotations

import json
import math
import random

import pytest

from narrator.publish.jsontext import dumps


def _value(rng: random.Random, level: int = 0) -> object:
    kind = rng.randrange(7 if level < 4 else 4)
    if kind == 0:
        return rng.randint(-10**6, 10**6)
    if kind == 1:
        return rng.random() * 10 ** rng.randint(-5, 5)
    if kind == 2:
        return rng.choice(["", "سلام دنیا", 'a "quoted"\nline', "\u200c", None, True, False])
    if kind == 3:
        return "".join(chr(rng.randint(32, 0x6FF)) for _ in range(rng.randint(0, 8)))
    if kind in (4, 5):
        return [_value(rng, level + 1) for _ in range(rng.randint(0, 4))]
    return {f"k{n}": _value(rng, level + 1) for n in range(rng.randint(0, 4))}


@pytest.mark.parametrize("seed", range(40))
def test_the_text_reads_back_as_the_data(seed: int) -> None:
    rng = random.Random(seed)
    value = {"paragraphs": [_value(rng) for _ in range(3)], "n": _value(rng)}
    for depth in range(6):
        text = dumps(value, depth)
        assert json.loads(text) == value
        assert text.endswith("\n")


def test_outer_levels_are_one_item_a_line_and_deeper_ones_one_line() -> None:
    value = {"title": "گزارش", "paragraphs": [{"index": 0, "sentences": [{"words": [[1, 2], [3, 4]]}]}]}
    lines = dumps(value, 3).splitlines()
    assert lines[:3] == ["{", '  "title": "گزارش",', '  "paragraphs": [']
    assert '      "sentences": [{"words": [[1, 2], [3, 4]]}]' in lines, "depth 3 and below on one line"
    assert dumps(value, 0) == json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def test_not_a_number_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(ValueError):
        dumps({"x": [math.nan]}, 1)

"""Given names, surnames and compounds written with a space (``data/names.txt`` and friends).

Used by the ezafe rules (no ezafe between a given name and a surname) and the ZWNJ repair (a
given name is not a stem: ``جان تری`` is John Terry, not ``جان‌تری``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from narrator.record import record


@record
class NameLists:
    """Given names (``ambiguous`` ones are also common words), surnames and spaced compounds."""

    given: frozenset[str]
    ambiguous: frozenset[str]
    surnames: frozenset[str]
    compounds: frozenset[tuple[str, str]]


def _lines(name: str) -> list[str]:
    text = (Path(__file__).parent / "data" / name).read_text("utf-8")  # the package's own data
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def name_lists() -> NameLists:
    """The shipped name and compound lists."""
    names = _lines("names.txt")
    pairs = (tuple(line.split(" ", 1)) for line in _lines("ezafe_compounds.txt"))
    return NameLists(
        given=frozenset(n.rstrip("?") for n in names),
        ambiguous=frozenset(n.rstrip("?") for n in names if n.endswith("?")),
        surnames=frozenset(_lines("surnames.txt")),
        compounds=frozenset((a, b) for a, b in pairs),
    )

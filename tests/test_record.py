"""``@record`` behaves as ``@dataclass(frozen=True)``: equality, hashing, repr, immutability,
``replace``, pickling; only its creation is cheaper."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from narrator.model import Cue
from narrator.record import record


@dataclass(frozen=True)
class Plain:
    """The reference."""

    a: int
    b: list[int] = field(default_factory=list, compare=False)
    c: float = field(default=0.0, repr=False)
    d: str = field(default="", hash=False)


@record
class Record:
    """The same fields, as a record."""

    a: int
    b: list[int] = field(default_factory=list, compare=False)
    c: float = field(default=0.0, repr=False)
    d: str = field(default="", hash=False)


CASES = [(1, [2], 3.0, "x"), (1, [9], 3.0, "x"), (1, [2], 3.5, "x"), (2, [], 0.0, ""), (1, [2], 3.0, "y")]


@pytest.mark.parametrize("first", CASES)
@pytest.mark.parametrize("second", CASES)
def test_equality_and_hash_are_the_dataclass_ones(first: tuple[int, list[int], float, str],
                                                  second: tuple[int, list[int], float, str]) -> None:
    assert (Record(*first) == Record(*second)) == (Plain(*first) == Plain(*second))
    assert (Record(*first) != Record(*second)) == (Plain(*first) != Plain(*second))
    assert hash(Record(*first)) == hash(Plain(*first))


def test_repr_immutability_replace_and_pickling() -> None:
    made, reference = Record(1, [2], 3.0, "x"), Plain(1, [2], 3.0, "x")
    assert repr(made) == repr(reference).replace("Plain", "Record")
    other: object = (1,)
    plain: object = reference
    assert made != plain and Record(1) != other  # another class is never equal
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.a = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del made.a
    assert dataclasses.replace(made, a=5) == Record(5, [2], 3.0, "x")
    assert pickle.loads(pickle.dumps(made)) == made
    assert dataclasses.is_dataclass(made)
    assert [f.name for f in dataclasses.fields(made)] == ["a", "b", "c", "d"]
    assert {Cue(0, 10, "یک"), Cue(0, 10, "یک"), Cue(0, 11, "یک")} == {Cue(0, 10, "یک"), Cue(0, 11, "یک")}


def test_a_class_with_its_own_equality_is_refused() -> None:
    with pytest.raises(TypeError, match="__eq__"):

        @record
        class Own:
            a: int

            def __eq__(self, other: object) -> bool:
                return True

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


def _outcome(action: object) -> tuple[str, str]:
    """What doing ``action`` (a callable) raised, as its type and message ("" for nothing), the
    classes' names made one."""
    try:
        action()  # type: ignore[operator]
    except Exception as exc:
        return type(exc).__name__, str(exc).replace("Plain", "Record")
    return "", ""


def test_the_frozen_methods_are_the_dataclass_ones() -> None:
    """Assigning and deleting, on an instance of the class and of a plain subclass, fields and
    other names: a record does what Python's own frozen dataclass does, error for error, message
    for message; its methods carry the same names. On Python 3.12 they are closures, not compiled
    per class, and the dataclasses module is left as it was."""
    import sys

    from narrator import record as module

    class SubPlain(Plain):
        pass

    class SubRecord(Record):
        pass

    maker = dataclasses._frozen_get_del_attr if sys.version_info[:2] == (3, 12) else None  # type: ignore[attr-defined]
    for ours, theirs in ((Record(1), Plain(1)), (SubRecord(1), SubPlain(1))):
        for name in ("a", "b", "other", "__weakref__"):
            assert _outcome(lambda o=ours, n=name: setattr(o, n, 5)) == \
                _outcome(lambda t=theirs, n=name: setattr(t, n, 5)), (type(ours), name)
            assert _outcome(lambda o=ours, n=name: delattr(o, n)) == \
                _outcome(lambda t=theirs, n=name: delattr(t, n)), (type(ours), name)
    assert _outcome(lambda: setattr(SubRecord(1), "other", 5)) == ("", "")
    for method in ("__setattr__", "__delattr__"):
        made, plain = getattr(Record, method), getattr(Plain, method)
        assert made.__name__ == plain.__name__
        assert made.__qualname__ == plain.__qualname__.replace("Plain", "Record")
        assert made.__module__ == plain.__module__
    if sys.version_info[:2] == (3, 12):
        assert Record.__setattr__.__code__.co_filename == module.__file__, "made without exec"
        assert dataclasses._frozen_get_del_attr is maker  # type: ignore[attr-defined]
        assert Plain.__setattr__.__code__.co_filename != module.__file__

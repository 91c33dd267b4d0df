"""``@record``: a frozen dataclass that costs less to create at start-up.

Python 3.12 compiles every method a dataclass generates on its own (one ``exec`` each): a frozen
dataclass with equality, hashing and a repr takes six, about 1 ms a class here, and a narration
creates some seventy at start-up. ``@record`` has :func:`dataclasses.dataclass` generate only what
depends on the class's fields and frozenness (``__init__``, ``__setattr__``, ``__delattr__``) and
gives every record the same ``__eq__``, ``__hash__`` and ``__repr__``, which read the fields from
a getter made once per class: about 0.6 ms a class, some 30 ms off every run.

On Python 3.12 the frozen ``__setattr__`` and ``__delattr__`` are not compiled either: while a
record is made, :mod:`dataclasses`' maker of those two (``_frozen_get_del_attr``, an internal) is
swapped for :func:`_frozen_methods`, which returns the same two methods as closures: the same
test, the same errors, the same names. That is two of the three ``exec`` calls a record cost:
making a run's 63 records took 36 to 48 ms, and takes 20 ms. Another Python makes them as it always does
(``tests/test_record.py`` checks the methods against a plain frozen dataclass's).

They behave as Python 3.12's dataclass's do: equal only to an instance of the same class whose
compared fields are equal (as tuples: a field holding the very same NaN is equal to itself; 3.13's
dataclasses compare field by field, where it is not), hashed by the fields that are compared (or
marked ``hash=True``), and shown as ``Name(field=value, ...)`` with the fields whose ``repr`` is on.
mypy sees a frozen dataclass.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable
from dataclasses import Field, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, dataclass_transform


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record[T](cls: type[T]) -> type[T]:
    """``cls`` as a frozen dataclass with the shared equality, hash and repr (see the module)."""
    own = [name for name in ("__eq__", "__hash__", "__repr__") if name in vars(cls)]
    if own:  # Python itself writes ``__hash__ = None`` beside an ``__eq__``: a class of its own
        raise TypeError(f"{cls.__qualname__} defines {', '.join(own)}: make it a plain dataclass")
    made = _frozen_dataclass(cls)
    found = fields(made)  # type: ignore[arg-type]
    compared = _getter(tuple(f.name for f in found if f.compare))
    hashed = _getter(tuple(f.name for f in found if (f.compare if f.hash is None else f.hash)))
    shown = tuple(f.name for f in found if f.repr)

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(compared(self) == compared(other))
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    @recursive_repr()
    def __repr__(self: Any) -> str:
        inside = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({inside})"

    for method in (__eq__, __hash__, __repr__):
        method.__qualname__ = f"{made.__qualname__}.{method.__name__}"
        method.__module__ = made.__module__
        setattr(made, method.__name__, method)
    return made


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of an instance's ``names`` fields (``attrgetter`` gives a bare value for one)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        single = attrgetter(names[0])
        return lambda instance: (single(instance),)
    return lambda instance: ()


#: Python 3.12's dataclasses make the frozen methods in ``_frozen_get_del_attr(cls, fields, globals)``.
_MAKER = "_frozen_get_del_attr"
_SWAPPABLE = sys.version_info[:2] == (3, 12) and callable(getattr(dataclasses, _MAKER, None))
_swapping = threading.RLock()  # a record made while one is made (a field's default) waits for none


def _frozen_dataclass[T](cls: type[T]) -> type[T]:
    """``dataclass(frozen=True, eq=False, repr=False)(cls)``, its frozen methods made without ``exec``
    where the Python is the one they were written against."""
    if not _SWAPPABLE:
        return dataclass(frozen=True, eq=False, repr=False)(cls)
    with _swapping:  # another thread's dataclass made meanwhile gets the same methods
        original = getattr(dataclasses, _MAKER)
        setattr(dataclasses, _MAKER, _frozen_methods)
        try:
            return dataclass(frozen=True, eq=False, repr=False)(cls)
        finally:
            setattr(dataclasses, _MAKER, original)


def _frozen_methods(
    owner: type[Any], field_list: list[Field[Any]], globals: dict[str, Any]
) -> tuple[Callable[..., None], Callable[..., None]]:
    """What Python 3.12's ``dataclasses._frozen_get_del_attr`` returns, as closures: assigning or
    deleting any attribute of an instance of ``owner`` itself, or a field of a subclass's instance,
    raises :class:`~dataclasses.FrozenInstanceError` with the same message."""
    names = frozenset(f.name for f in field_list)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is owner or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(owner, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is owner or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(owner, self).__delattr__(name)

    for method in (__setattr__, __delattr__):
        method.__module__ = owner.__module__
    return __setattr__, __delattr__

"""README's architecture table names every module of the package, and only modules (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

import narrator
from tests.conftest import ROOT

PACKAGE = Path(narrator.__file__).parent


def _table() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| zone | modules |")
    return readme[start:readme.index("\n\n", start)]


def test_every_module_is_in_the_architecture_table_and_every_name_is_a_module() -> None:
    modules = {path.stem for path in PACKAGE.rglob("*.py") if path.stem not in {"__init__", "__main__"}}
    named = {re.sub(r"^narrator/(\w+/)?|\.py$|/$", "", name) for name in re.findall(r"`([^`]+)`", _table())}
    named = {name for name in named if re.fullmatch(r"[a-z_0-9]+", name)} - {"auto", "narrator"}
    assert modules - named == set()
    assert named - modules == set()

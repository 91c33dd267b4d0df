"""narrator/atomic.py is the one place a file is renamed into place (issue 14)."""

from __future__ import annotations

import ast
from pathlib import Path

import narrator

PACKAGE = Path(narrator.__file__).parent
HOME = PACKAGE / "atomic.py"
#: Calls that create a temporary or rename a file into place.
RENAMING = {("os", "replace"), ("os", "rename"), ("os", "renames"), ("tempfile", "mkstemp"),
            ("tempfile", "NamedTemporaryFile"), ("shutil", "move")}
PATH_METHODS = {"rename", "replace"}


def _sites(source: str) -> list[str]:
    """Each renaming call in ``source``: ``os.replace(…)``, ``mkstemp`` imported by name, or a
    ``.rename``/``.replace`` call with one argument that is not a string (``Path.replace(target)``;
    ``str.replace`` takes two; a class's own ``self.replace`` is not one)."""
    found: list[str] = []
    imported = {alias.asname or alias.name: (node.module, alias.name)
                for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)
                for alias in node.names if node.module}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and (func.value.id, func.attr) in RENAMING):
            found.append(f"{func.value.id}.{func.attr} at line {node.lineno}")
            continue
        if isinstance(func, ast.Name) and imported.get(func.id) in RENAMING:
            found.append(f"{func.id} at line {node.lineno}")
        elif (isinstance(func, ast.Attribute) and func.attr in PATH_METHODS and len(node.args) == 1
              and not node.keywords and not isinstance(node.args[0], ast.Constant)
              and not (isinstance(func.value, ast.Name) and func.value.id == "self")):
            found.append(f".{func.attr}() at line {node.lineno}")
    return found


def test_the_scan_finds_each_kind_of_site() -> None:
    source = ("import os, tempfile\nfrom tempfile import mkstemp\nos.replace(a, b)\n"
              "tempfile.mkstemp()\nmkstemp()\npath.rename(target)\ntext.replace('a', 'b')\n")
    assert len(_sites(source)) == 4


def test_no_module_but_atomic_renames_files_into_place() -> None:
    outside = {str(path.relative_to(PACKAGE)): sites for path in sorted(PACKAGE.rglob("*.py"))
               if path != HOME and (sites := _sites(path.read_text(encoding="utf-8")))}
    assert outside == {}
    assert _sites(HOME.read_text(encoding="utf-8"))  # the home itself is seen by the scan

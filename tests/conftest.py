"""Shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_3a98ce0cadde2fff.txt"
CACHE_ENV = "NARRATOR_CACHE_DIR"

# CI explores the same examples on every run (a failure there is reproducible, never luck of the
# draw); a developer's run explores new ones each time. Examples hypothesis found are kept as
# explicit @example cases in the tests.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test run caches in a folder of its own: no clip or segment left by an earlier run (or
    an earlier version of the code) can hide a bug, and the user's own cache is never touched."""
    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("narrator-cache"))
    yield
    if before is None:
        del os.environ[CACHE_ENV]
    else:
        os.environ[CACHE_ENV] = before


@pytest.fixture
def seed() -> Path:
    return SEED

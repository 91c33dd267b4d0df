"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_3a98ce0cadde2fff.txt"


@pytest.fixture
def seed() -> Path:
    return SEED

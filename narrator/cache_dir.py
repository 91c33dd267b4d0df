"""Where narrator caches: compact models and word lists it builds once, synthesized audio."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "NARRATOR_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$NARRATOR_CACHE_DIR`` if set, else the platform's user cache dir for narrator."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("narrator"))

"""Which of the text zone's prepared models are not built yet (built once, on first use).

The word tables extracted from hazm and the compact ezafe tagger are built on first use and kept
in narrator's cache folder; building them takes several seconds, so callers can say so first.
"""

from __future__ import annotations

from pathlib import Path

from narrator.cache_dir import default_cache_dir
from narrator.errors import NarratorError
from narrator.text import ezafe_model, hazm_data


def missing_models(ezafe: bool, cache_dir: Path | None = None) -> list[str]:
    """Names of the models a run will have to build first (the ezafe tagger only if ``ezafe``)."""
    folder = cache_dir or default_cache_dir()
    missing: list[str] = []
    try:
        package = hazm_data.hazm_package_dir()
        formats = (hazm_data.FORMAT_VERSION, 3)  # a file of format 3 is only written anew: no build
        if not any(hazm_data.cache_path(folder, package, form).is_file() for form in formats):
            missing.append("word tables")
    except (OSError, NarratorError):
        missing.append("word tables")
    if ezafe:
        try:
            if not ezafe_model.cache_path(ezafe_model.shipped_model_path(), folder).is_file():
                missing.append("ezafe tagger")
        except (OSError, NarratorError):
            missing.append("ezafe tagger")
    return missing

"""Where Piper voice files live, and finding them by name or path.

A Piper voice is two files side by side: ``NAME.onnx`` (the model) and ``NAME.onnx.json`` (its
configuration; ``NAME.json`` is accepted too). Voices are looked up in the folder named by the
``NARRATOR_VOICES`` environment variable, by default ``<user data folder>/narrator/voices``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from narrator.errors import EngineUnavailable
from narrator.record import record

VOICES_ENV = "NARRATOR_VOICES"

#: Persian Piper voices, best first; ``auto`` and a piper engine without ``--voice`` take the first found.
PERSIAN_VOICES = (
    "fa_IR-gyro-medium",
    "fa_IR-amir-medium",
    "fa_IR-reza_ibrahim-medium",
    "fa_IR-ganji-medium",
    "fa_IR-ganji_adabi-medium",
)

DOWNLOAD_COMMAND = f"narrator voices download {PERSIAN_VOICES[0]}"


@record
class VoiceFiles:
    """One Piper voice found on disk."""

    name: str
    model: Path
    config: Path

    @property
    def persian(self) -> bool:
        """True for a voice whose name says it speaks Persian (``fa_...``)."""
        return self.name.startswith("fa_")


def voices_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder searched for voices: ``$NARRATOR_VOICES`` or the user data folder's ``voices``."""
    env = os.environ if environ is None else environ
    configured = env.get(VOICES_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("narrator")) / "voices"


def config_for(model: Path) -> Path | None:
    """The configuration file beside ``model`` (``X.onnx.json``, else ``X.json``), if there is one."""
    for candidate in (model.with_name(model.name + ".json"), model.with_suffix(".json")):
        if candidate.is_file():
            return candidate
    return None


def find_voices(folder: Path | None = None) -> list[VoiceFiles]:
    """Every complete voice (model and configuration) in ``folder``, sorted by name.

    >>> find_voices(Path("/nonexistent"))
    []
    """
    where = voices_dir() if folder is None else folder
    if not where.is_dir():
        return []
    found: list[VoiceFiles] = []
    for model in sorted(where.glob("*.onnx")):
        config = config_for(model)
        if model.is_file() and config is not None:
            found.append(VoiceFiles(name=model.stem, model=model, config=config))
    return found


def _missing(what: str, folder: Path) -> EngineUnavailable:
    return EngineUnavailable(
        f"{what}; get one with: {DOWNLOAD_COMMAND} (voices go to {folder}; set {VOICES_ENV} to use "
        "another folder of NAME.onnx with NAME.onnx.json beside it), or pass --voice PATH.onnx"
    )


def _looks_like_path(spec: str) -> bool:
    return spec.endswith(".onnx") or os.sep in spec or "/" in spec


def resolve_voice(spec: str | None, folder: Path | None = None) -> VoiceFiles:
    """The voice ``spec`` names: a path to a ``.onnx`` file, a voice name in ``folder``, or
    (``None``) the best Persian voice there. Raise EngineUnavailable saying where to put one."""
    where = voices_dir() if folder is None else folder
    if spec is not None and _looks_like_path(spec):
        model = Path(spec).expanduser()
        if not model.is_file():
            raise _missing(f"Piper voice file {model} does not exist", where)
        config = config_for(model)
        if config is None:
            raise _missing(f"Piper voice {model} has no {model.name}.json beside it", model.parent)
        return VoiceFiles(name=model.stem, model=model, config=config)
    found = find_voices(where)
    if spec is not None:
        for voice in found:
            if voice.name == spec:
                return voice
        names = ", ".join(v.name for v in found) or "none"
        raise _missing(f"no Piper voice named {spec!r} in {where} (found: {names})", where)
    by_name = {v.name: v for v in found}
    for name in PERSIAN_VOICES:
        if name in by_name:
            return by_name[name]
    persian = [v for v in found if v.persian]
    if persian:
        return persian[0]
    raise _missing(f"no Persian Piper voice found in {where}", where)

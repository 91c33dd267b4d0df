"""The Piper voice catalogue: where it is and what it says.

The catalogue is piper's own: ``voices.json`` at the root of the rhasspy/piper-voices repository,
each voice's files under ``{family}/{code}/{name}/{quality}/`` (the scheme of
``piper.download_voices``). One entry looks like::

    "fa_IR-gyro-medium": {
        "key": "fa_IR-gyro-medium", "name": "gyro", "quality": "medium",
        "language": {"code": "fa_IR", "family": "fa", "region": "IR", ...},
        "num_speakers": 1, "speaker_id_map": {}, "aliases": [],
        "files": {"fa/fa_IR/gyro/medium/fa_IR-gyro-medium.onnx": {"size_bytes": ..., "md5_digest": ...},
                  "fa/fa_IR/gyro/medium/fa_IR-gyro-medium.onnx.json": {...}, ".../MODEL_CARD": {...}}}

The base URL is ``$NARRATOR_VOICES_URL`` (a mirror with the same layout), else the repository on
``$HF_ENDPOINT`` (Hugging Face mirrors set it), else on huggingface.co.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from urllib.parse import quote

from narrator.errors import InputError, NetworkError
from narrator.record import record

URL_ENV = "NARRATOR_VOICES_URL"
HF_ENDPOINT_ENV = "HF_ENDPOINT"
HF_ENDPOINT = "https://huggingface.co"
REPOSITORY_PATH = "/rhasspy/piper-voices/resolve/main"
DEFAULT_URL = HF_ENDPOINT + REPOSITORY_PATH
CATALOG_NAME = "voices.json"
MODEL_SUFFIX = ".onnx"
CONFIG_SUFFIX = ".onnx.json"
PERSIAN_FAMILY = "fa"

_MD5 = re.compile(r"^[0-9a-f]{32}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@record
class CatalogFile:
    """One file of a voice as the catalogue lists it."""

    path: str
    size_bytes: int
    md5_digest: str


@record
class CatalogVoice:
    """One voice of the catalogue: its model and configuration files and facts about it."""

    key: str
    language: str
    family: str
    quality: str
    num_speakers: int
    model: CatalogFile
    config: CatalogFile
    aliases: tuple[str, ...] = ()

    @property
    def size_bytes(self) -> int:
        """Bytes a download of the voice fetches (model and configuration)."""
        return self.model.size_bytes + self.config.size_bytes

    @property
    def persian(self) -> bool:
        return self.family == PERSIAN_FAMILY


def base_url(environ: Mapping[str, str] | None = None) -> str:
    """The catalogue's base URL: ``$NARRATOR_VOICES_URL``, else the repository on ``$HF_ENDPOINT``,
    else on huggingface.co.

    >>> base_url({})
    'https://huggingface.co/rhasspy/piper-voices/resolve/main'
    >>> base_url({"HF_ENDPOINT": "https://hf-mirror.com/"})
    'https://hf-mirror.com/rhasspy/piper-voices/resolve/main'
    >>> base_url({"NARRATOR_VOICES_URL": "http://127.0.0.1:8080/piper/", "HF_ENDPOINT": "x"})
    'http://127.0.0.1:8080/piper'
    """
    env = os.environ if environ is None else environ
    configured = env.get(URL_ENV, "").strip()
    if configured:
        url = configured.rstrip("/")
    else:
        endpoint = env.get(HF_ENDPOINT_ENV, "").strip().rstrip("/") or HF_ENDPOINT
        url = endpoint + REPOSITORY_PATH
    if not url.startswith(("http://", "https://")):
        source = URL_ENV if configured else HF_ENDPOINT_ENV
        raise InputError(f"{source} must be an http:// or https:// URL, not {url!r}")
    return url


def file_url(base: str, path: str) -> str:
    """The address of a catalogue ``path`` under ``base``.

    >>> file_url("http://m/x", "fa/fa_IR/gyro/medium/fa_IR-gyro-medium.onnx")
    'http://m/x/fa/fa_IR/gyro/medium/fa_IR-gyro-medium.onnx'
    """
    return f"{base}/{quote(path)}"


def is_voice_name(name: str) -> bool:
    """True for a name like ``fa_IR-gyro-medium``: a plain file name, no folders, not hidden.

    >>> [is_voice_name(n) for n in ("fa_IR-gyro-medium", "../x-y-z", ".x", "a/b")]
    [True, False, False, False]
    """
    return _NAME.match(name) is not None


def _file(key: str, path: str, facts: object) -> CatalogFile:
    if not isinstance(facts, dict):
        raise ValueError(f"{key}: file {path} has no facts")
    size, digest = facts.get("size_bytes"), facts.get("md5_digest")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"{key}: file {path} has no valid size_bytes")
    if not isinstance(digest, str) or not _MD5.match(digest.lower()):
        raise ValueError(f"{key}: file {path} has no valid md5_digest")
    return CatalogFile(path=path, size_bytes=size, md5_digest=digest.lower())


def _pick(key: str, files: Mapping[str, object], suffix: str) -> CatalogFile:
    """The file of ``files`` named ``KEY{suffix}`` (else the only one ending in ``suffix``)."""
    named = [p for p in files if p.rsplit("/", 1)[-1] == key + suffix]
    ending = [p for p in files if p.endswith(suffix)]
    chosen = named or (ending if len(ending) == 1 else [])
    if len(chosen) != 1:
        raise ValueError(f"{key}: no single {suffix} file")
    return _file(key, chosen[0], files[chosen[0]])


def _voice(key: str, entry: object) -> CatalogVoice:
    if not isinstance(entry, dict) or not is_voice_name(key):
        raise ValueError(f"{key!r} is not a voice entry")
    language, files = entry.get("language"), entry.get("files")
    if not isinstance(language, dict) or not isinstance(files, dict):
        raise ValueError(f"{key}: no language or files")
    code = str(language.get("code", key.split("-", 1)[0]))
    aliases = entry.get("aliases") or []
    speakers = entry.get("num_speakers", 1)
    return CatalogVoice(
        key=key,
        language=code,
        family=str(language.get("family", code.split("_", 1)[0])),
        quality=str(entry.get("quality", key.rsplit("-", 1)[-1])),
        num_speakers=speakers if isinstance(speakers, int) else 1,
        model=_pick(key, files, MODEL_SUFFIX),
        config=_pick(key, files, CONFIG_SUFFIX),
        aliases=tuple(str(a) for a in aliases) if isinstance(aliases, list) else (),
    )


def parse_catalog(data: bytes, source: str) -> dict[str, CatalogVoice]:
    """The voices of a ``voices.json`` document, by key; NetworkError naming ``source`` if it is not one.

    Entries this version cannot read are left out rather than failing the whole catalogue.
    """
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NetworkError(f"{source} is not a voice catalogue (not JSON: {exc})") from exc
    if not isinstance(document, dict):
        raise NetworkError(f"{source} is not a voice catalogue (not a JSON object)")
    voices: dict[str, CatalogVoice] = {}
    for key, entry in document.items():
        try:
            voices[key] = _voice(key, entry)
        except ValueError:
            continue
    if document and not voices:
        raise NetworkError(f"{source} is not a voice catalogue (no entry has a model and its files)")
    return voices


def lookup(catalog: Mapping[str, CatalogVoice], name: str) -> CatalogVoice:
    """The voice called ``name`` (its key or an alias); InputError naming the Persian voices if none."""
    if name in catalog:
        return catalog[name]
    for voice in catalog.values():
        if name in voice.aliases:
            return voice
    persian = ", ".join(sorted(k for k, v in catalog.items() if v.persian)) or "none"
    raise InputError(f"no voice named {name!r} in the catalogue (Persian voices: {persian})")

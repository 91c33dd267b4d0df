"""Downloading Piper voices from the catalogue into the voices folder, and removing them.

Each file is fetched into a hidden partial file beside its target (``.NAME.onnx.download``), which
a later run resumes with an HTTP ``Range`` request. Both files of a voice are checked against the
catalogue's ``size_bytes`` and ``md5_digest`` before either is moved into place, so a failed check
leaves no file of that voice; a transfer that breaks off keeps its partial file for the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import httpx

from narrator.atomic import replace
from narrator.engines.voice_catalog import (
    CATALOG_NAME,
    CONFIG_SUFFIX,
    MODEL_SUFFIX,
    CatalogFile,
    CatalogVoice,
    file_url,
    is_voice_name,
    parse_catalog,
)
from narrator.engines.voices import config_for
from narrator.errors import InputError, NarratorError, NetworkError, OutputError
from narrator.record import record

#: Seconds to wait for a connection, and for each piece of an answer: an unreachable mirror fails fast.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
CHUNK_BYTES = 256 * 1024
PARTIAL_SUFFIX = ".download"
USER_AGENT = "narrator (piper voice download)"

#: Called as a file downloads: (file name, bytes so far, bytes in all).
Progress = Callable[[str, int, int], None]

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class ChecksumMismatch(NarratorError, ValueError):
    """A downloaded file is not the one the catalogue describes."""


@record
class Installed:
    """A voice now in the voices folder; ``fetched`` bytes came over the network this time."""

    key: str
    model: Path
    config: Path
    fetched: int
    already: bool = False


def client(timeout: httpx.Timeout | None = None) -> httpx.Client:
    """An HTTP client with short connect and read timeouts that follows redirects (Hugging Face
    answers file requests with a redirect to its content store)."""
    limits = timeout or httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    # identity: ranges count the bytes of the file itself, and each byte received is kept as it comes
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    return httpx.Client(timeout=limits, follow_redirects=True, headers=headers)


def _reason(exc: httpx.HTTPError) -> str:
    """A short, one-line account of a transfer failure."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "no connection within the time allowed"
    if isinstance(exc, httpx.TimeoutException):
        return "the server stopped answering"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection early"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def fetch_catalog(http: httpx.Client, base: str) -> dict[str, CatalogVoice]:
    """The catalogue at ``base``; NetworkError in one line if it cannot be fetched or read."""
    url = file_url(base, CATALOG_NAME)
    try:
        response = http.get(url)
    except httpx.HTTPError as exc:
        raise NetworkError(
            f"cannot reach the voice catalogue at {url}: {_reason(exc)} (a mirror: set NARRATOR_VOICES_URL)"
        ) from exc
    if response.status_code != 200:
        raise NetworkError(f"the voice catalogue at {url} answered HTTP {response.status_code}")
    return parse_catalog(response.content, url)


def partial_path(folder: Path, name: str) -> Path:
    """The hidden partial file a download of ``name`` (e.g. ``X.onnx``) grows in."""
    return folder / f".{name}{PARTIAL_SUFFIX}"


def targets(voice: CatalogVoice, folder: Path) -> tuple[tuple[CatalogFile, Path], ...]:
    """The voice's model and configuration with the path each is installed at."""
    model, config = folder / (voice.key + MODEL_SUFFIX), folder / (voice.key + CONFIG_SUFFIX)
    return ((voice.model, model), (voice.config, config))


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        while block := stream.read(CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def mismatch(path: Path, expected: CatalogFile) -> str | None:
    """Why ``path`` is not the catalogue's file (size first, then MD5), or None if it is."""
    size = path.stat().st_size
    if size != expected.size_bytes:
        return f"{size} bytes, the catalogue says {expected.size_bytes}"
    digest = _md5(path)
    if digest != expected.md5_digest:
        return f"MD5 {digest}, the catalogue says {expected.md5_digest}"
    return None


def _continues(response: httpx.Response, have: int) -> bool:
    """True if a 206 answer's bytes start right after a partial file of ``have`` bytes."""
    found = _CONTENT_RANGE.match(response.headers.get("content-range", "").strip())
    return found is not None and int(found.group(1)) == have


def _transfer(http: httpx.Client, url: str, part: Path, expected: CatalogFile, progress: Progress) -> int:
    """One GET of ``url`` into ``part`` (continuing it when the server honours Range); bytes fetched.

    Returns -1 when the server cannot continue the partial file, which is then emptied.
    """
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    label, total, fetched = part.name.removeprefix(".").removesuffix(PARTIAL_SUFFIX), expected.size_bytes, 0
    with http.stream("GET", url, headers=headers) as response:
        if response.status_code == 206 and have and _continues(response, have):
            mode = "ab"
        elif response.status_code == 200:
            mode, have = "wb", 0
        elif have and response.status_code in (206, 416):
            part.write_bytes(b"")
            return -1
        else:
            raise NetworkError(f"{url}: the mirror answered HTTP {response.status_code}")
        progress(label, have, total)
        with part.open(mode) as stream:
            try:
                for chunk in response.iter_raw():  # as received: a broken transfer keeps what came
                    if have + len(chunk) > total:
                        raise ChecksumMismatch(f"the mirror sends more than {total} bytes of {label}")
                    stream.write(chunk)
                    have += len(chunk)
                    fetched += len(chunk)
                    progress(label, have, total)
            except httpx.HTTPError as exc:
                raise NetworkError(
                    f"download of {label} stopped at {have} of {total} bytes ({_reason(exc)}); "
                    "run the same command again to resume"
                ) from exc
    return fetched


def download_file(http: httpx.Client, url: str, part: Path, expected: CatalogFile, progress: Progress) -> int:
    """Bring ``part`` to the catalogue's size from ``url``, resuming what it holds; bytes fetched."""
    if part.exists() and part.stat().st_size > expected.size_bytes:
        part.write_bytes(b"")
    if part.exists() and part.stat().st_size == expected.size_bytes:
        return 0
    try:
        fetched = _transfer(http, url, part, expected, progress)
        if fetched < 0:  # the server would not continue the partial file: start it again
            fetched = _transfer(http, url, part, expected, progress)
    except httpx.HTTPError as exc:
        raise NetworkError(f"cannot download {url}: {_reason(exc)}") from exc
    return max(fetched, 0)


def _discard(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _already(voice: CatalogVoice, folder: Path) -> bool:
    """True if the voice is installed as the catalogue describes it; InputError if a file of that
    name is there with other contents (it is never overwritten)."""
    present = [(f, p) for f, p in targets(voice, folder) if p.exists()]
    wrong = [f"{p.name} ({why})" for f, p in present if (why := mismatch(p, f)) is not None]
    if wrong:
        raise InputError(
            f"{voice.key} is already in {folder} but not as the catalogue has it: {'; '.join(wrong)}; "
            f"remove it first with: narrator voices remove {voice.key}"
        )
    return len(present) == 2


def install(
    http: httpx.Client, base: str, voice: CatalogVoice, folder: Path, progress: Progress
) -> Installed:
    """Download, check and move into place the model and configuration of ``voice``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the voices folder ({exc.strerror or exc})") from exc
    (model_file, model), (config_file, config) = targets(voice, folder)
    if _already(voice, folder):
        return Installed(voice.key, model, config, fetched=0, already=True)
    parts = [partial_path(folder, model.name), partial_path(folder, config.name)]
    fetched = 0
    try:
        for expected, part in ((model_file, parts[0]), (config_file, parts[1])):
            fetched += download_file(http, file_url(base, expected.path), part, expected, progress)
            why = mismatch(part, expected)
            if why is not None:
                label = part.name.removeprefix(".").removesuffix(PARTIAL_SUFFIX)
                raise ChecksumMismatch(f"the downloaded {label} does not match the catalogue ({why})")
    except ChecksumMismatch as exc:
        _discard(parts)
        raise ChecksumMismatch(f"{voice.key}: {exc}; nothing was installed") from exc
    replace(parts[0], model)
    replace(parts[1], config)  # the voice is complete (and found) only once its configuration lands
    return Installed(voice.key, model, config, fetched=fetched)


def partial_files(folder: Path, name: str) -> list[Path]:
    """Partial downloads of voice ``name`` left in ``folder``."""
    names = (name + MODEL_SUFFIX, name + CONFIG_SUFFIX)
    return [p for p in (partial_path(folder, n) for n in names) if p.exists()]


def remove(name: str, folder: Path) -> list[Path]:
    """Delete voice ``name`` (model, configuration, partial downloads) from ``folder``; the paths removed."""
    if not is_voice_name(name):
        raise InputError(f"{name!r} is not a voice name (like fa_IR-gyro-medium)")
    model = folder / (name + MODEL_SUFFIX)
    config = config_for(model)
    found = [p for p in (model, config) if p is not None and p.is_file()] + partial_files(folder, name)
    if not found:
        raise InputError(f"no voice named {name!r} in {folder}")
    for path in found:
        path.unlink()
    return found

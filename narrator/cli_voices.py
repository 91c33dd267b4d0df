"""``narrator voices``: list the Piper voice catalogue, download voices, remove them.

Arguments and messages only; the catalogue and the transfers are :mod:`narrator.engines.voice_catalog`
and :mod:`narrator.engines.voice_store`.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from narrator.engines.voice_catalog import CatalogVoice, base_url, lookup
from narrator.engines.voice_store import Progress, client, fetch_catalog, install, partial_files, remove
from narrator.engines.voices import PERSIAN_VOICES, find_voices, voices_dir
from narrator.errors import NarratorError

EXIT_FAILED = 1
MORE_VOICES = f"narrator voices list, then e.g. narrator voices download {PERSIAN_VOICES[0]}"


def installed_text() -> str:
    """The installed voices, one per line (or where none were found), and how to get more."""
    found = find_voices()
    lines = [f"  voice {v.name}\t{v.model}" for v in found] or [f"  no voices in {voices_dir()}"]
    return "\n".join([*lines, f"  more voices: {MORE_VOICES}"]) + "\n"


def _megabytes(size: int) -> str:
    """Decimal megabytes, as the progress bar counts them.

    >>> _megabytes(63_201_294)
    '63.2 MB'
    """
    return f"{size / 1e6:.1f} MB"


def _state(voice: CatalogVoice, folder: Path, installed: set[str]) -> str:
    if voice.key in installed:
        return "installed"
    return "partly downloaded" if partial_files(folder, voice.key) else "-"


def _list(show_all: bool, out: TextIO) -> int:
    folder = voices_dir()
    with client() as http:
        catalog = fetch_catalog(http, base_url())
    installed = {v.name for v in find_voices(folder)}
    shown = sorted((v for v in catalog.values() if show_all or v.persian), key=lambda v: v.key)
    out.write("name\tquality\tsize\tstate\n")
    for voice in shown:
        state = _state(voice, folder, installed)
        out.write(f"{voice.key}\t{voice.quality}\t{_megabytes(voice.size_bytes)}\t{state}\n")
    if not shown:
        out.write("(no Persian voices in the catalogue; --all lists every language)\n")
    return 0


@contextmanager
def _progress(err: TextIO) -> Iterator[Progress]:
    """A rich progress bar per file on a terminal; nothing otherwise."""
    if not err.isatty():
        yield lambda _name, _done, _total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    from rich.progress import Progress as Bar

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Bar(*columns, console=Console(file=err)) as bar:
        tasks: dict[str, Any] = {}

        def update(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)

        yield update


def _download(names: list[str], out: TextIO, err: TextIO) -> int:
    folder, base = voices_dir(), base_url()
    failed = 0
    with client() as http:
        catalog = fetch_catalog(http, base)
        for name in names:
            try:
                voice = lookup(catalog, name)
                with _progress(err) as progress:
                    done = install(http, base, voice, folder, progress)
            except (NarratorError, OSError) as exc:
                err.write(f"narrator: error: {exc}\n")
                failed += 1
                continue
            if done.already:
                err.write(f"narrator: {done.key} is already installed\n")
            out.write(f"{done.model}\n{done.config}\n")
    return EXIT_FAILED if failed else 0


def _remove(names: list[str], out: TextIO, err: TextIO) -> int:
    folder = voices_dir()
    failed = 0
    for name in names:
        try:
            removed = remove(name, folder)
        except (NarratorError, OSError) as exc:
            err.write(f"narrator: error: {exc}\n")
            failed += 1
            continue
        out.writelines(f"removed {path}\n" for path in removed)
    return EXIT_FAILED if failed else 0


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Carry out ``narrator voices ACTION``; errors that end the whole command are raised."""
    if args.voices_action == "list":
        return _list(args.all, stdout)
    if args.voices_action == "download":
        return _download(args.names, stdout, stderr)
    return _remove(args.names, stdout, stderr)

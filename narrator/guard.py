"""The overwrite guard: before any work, prove that a narration replaces only what narrator wrote.

An output path may be written when nothing is there, or when what is there belongs to an earlier
narration of the same input (its manifest says so). It is refused, before anything is synthesized,
when it is one of the inputs, a folder, or any other existing file: narrator never destroys a file it
did not write.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from narrator.errors import InputError
from narrator.files import NarrationFiles


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_outputs(source: Path | str, target: Path, inputs: Iterable[Path], labels: Iterable[str]) -> None:
    """Raise InputError naming the first file a narration of ``source`` into ``target`` must not
    replace. ``inputs`` are every input of the run; ``labels`` the names an earlier narration of
    this same input would have recorded as its source."""
    files = NarrationFiles.beside(target)
    every_input = list(inputs)
    owner = None
    if files.manifest.is_file():  # an earlier narration: whose? (the manifest reader, loaded now)
        from narrator.publish.manifest import narration_source

        owner = narration_source(files.manifest)
    ours = owner is not None and owner in set(labels)
    for path in files.all():
        if not os.path.lexists(path):
            continue
        for given in every_input:
            if _same(path, given):
                raise InputError(
                    f"{path}: narrating {source} here would overwrite an input; choose another -o folder"
                )
        if path.is_dir():
            raise InputError(f"{path}: is a folder, where narrator must write a file")
        if not ours:
            whose = f"a narration of {owner!r}" if owner is not None else "a file narrator did not write"
            raise InputError(
                f"{path}: already exists and is {whose}; move it or choose another -o"
            )


def check_folder_file(path: Path, marker: bytes) -> None:
    """Raise InputError if ``path`` (a folder's index or feed) exists and narrator did not write it:
    narrator's own files carry ``marker`` in their first kilobytes."""
    if not os.path.lexists(path):
        return
    if path.is_dir():
        raise InputError(f"{path}: is a folder, where narrator must write a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if marker not in head:
        raise InputError(f"{path}: exists and was not written by narrator; move it first")


def check_replaceable_audio(target: Path) -> None:
    """Raise InputError if ``target`` exists and is not an audio file narrator wrote (its encoder tag
    says so): ``say`` replaces its own earlier output, nothing else."""
    if not os.path.lexists(target):
        return
    if target.is_dir():
        raise InputError(f"{target}: is a folder, where narrator must write a file")
    from narrator.publish.id3 import written_by_narrator  # mutagen, for a file that is there

    if not written_by_narrator(target):
        raise InputError(f"{target}: exists and was not written by narrator; move it or choose another -o")

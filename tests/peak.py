"""Peak memory of a command, measured right.

A child forked straight from pytest reports pytest's own peak: Linux keeps the larger of the old
and new address space's high-water mark across ``exec``. So the command is started from a fresh,
small Python process, which waits for it and prints its exit code and peak resident memory (KiB).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

MEASURE = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


def run_measured(argv: list[str], **options: Any) -> tuple[int, int, subprocess.CompletedProcess[bytes]]:
    """Run ``argv``; its exit code, peak memory in KiB, and the measuring process's result
    (``options`` go to :func:`subprocess.run`; stdout is taken for the figures)."""
    command = [sys.executable, "-c", MEASURE, *argv]
    done = subprocess.run(command, stdout=subprocess.PIPE, check=True, **options)
    code, peak = (int(n) for n in done.stdout.split()[-2:])
    return code, peak, done

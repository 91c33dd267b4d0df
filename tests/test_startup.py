"""What each run pays before it starts working: only the modules it needs, no BLAS threads."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = {"httpx", "rich", "gtts", "trafilatura", "scipy", "edge_tts"}


def _modules_after(code: str) -> set[str]:
    probe = f"{code}; import sys; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return set(out.stdout.split())


def test_narrating_with_espeak_loads_no_network_or_progress_libraries() -> None:
    """``narrate`` of a text file with auto's pick: no HTTP client, no progress bars, no gTTS."""
    loaded = _modules_after(
        "import narrator.cli, narrator.pipeline; from narrator.engines.base import EngineOptions; "
        "from narrator.engines.registry import choose_engine; "
        "assert choose_engine(EngineOptions(), False).name == 'espeak'"
    )
    assert "narrator.pipeline" in loaded
    assert {name.split(".")[0] for name in loaded} & HEAVY == set()


def test_the_command_keeps_blas_to_one_thread_unless_told_otherwise() -> None:
    code = (
        "import os, sys; sys.argv = ['narrator', '--version']\n"
        "from narrator.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'])"
    )
    for given, expected in ((None, "1"), ("3", "3")):
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
        if given is not None:
            env["OPENBLAS_NUM_THREADS"] = given
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)})
        assert out.stdout.split()[-1] == expected

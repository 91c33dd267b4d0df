#!/usr/bin/env bash
# Installs the test-only browser: Debian's chromium package, used headless by tests/test_browser.py
# through Playwright's executable_path. Never downloads a browser from anywhere else.
# A no-op when /usr/bin/chromium is already present. Needs root (or sudo) to install.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-browser: installing chromium needs root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium
test -x "$CHROMIUM"

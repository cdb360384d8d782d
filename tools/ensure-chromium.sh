#!/usr/bin/env bash
# Make sure headless Chromium is available for tests/test_ui.py (Debian's `chromium` package).
# Idempotent and quiet: does nothing when /usr/bin/chromium exists; otherwise installs it
# with apt-get (needs root, as on the CI machine). Prints what it does.
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
    echo "ensure-chromium: $CHROMIUM present"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure-chromium: $CHROMIUM is missing; run this script as root to install it" >&2
        exit 1
    fi
fi

echo "ensure-chromium: installing chromium with apt-get (once)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"

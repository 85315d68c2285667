#!/usr/bin/env bash
# Sets up a fresh machine for zhicheng: a virtual environment with the project installed.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
# A TrueType CJK font to embed in the e-certificates (without it they use a CID font that the
# PDF reader must supply). Best effort: a machine without apt keeps the fallback.
if [ ! -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y -q fonts-wqy-zenhei >/dev/null 2>&1 \
    || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-wqy-zenhei >/dev/null 2>&1)) || true
fi
# Headless Chromium and a CJK font for the dashboard's browser tests and screenshots
# (Playwright drives Debian's chromium; it cannot download its own browsers offline).
if { [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ]; } && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1 \
    || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1)) || true
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e ".[test]"
export PREFECT_SERVER_ANALYTICS_ENABLED=false

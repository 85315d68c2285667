#!/usr/bin/env bash
# The main job on the embedded default (a SQLite file + Prefect's local server):
# check the bundled 2024 Jiayuguan cycle file, then simulate the whole 2024 cycle.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PREFECT_SERVER_ANALYTICS_ENABLED=false
.venv/bin/zhicheng plan jiayuguan-2024
.venv/bin/zhicheng simulate --cycle jiayuguan-2024 --applicants "${APPLICANTS:-2000}" --seed "${SEED:-2024}"

#!/usr/bin/env bash
# The main job on the embedded default (a SQLite file + Prefect's local server):
# check the bundled 2024 Jiayuguan cycle file, then simulate the whole 2024 cycle.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PREFECT_SERVER_ANALYTICS_ENABLED=false
.venv/bin/zhicheng plan jiayuguan-2024
.venv/bin/zhicheng simulate --cycle jiayuguan-2024 --applicants "${APPLICANTS:-2000}" --seed "${SEED:-2024}"
# The simulated cycle stays in the database for the dashboard: demo accounts, then
# `.venv/bin/zhicheng dashboard` and sign in at http://127.0.0.1:8000/ with one of them.
.venv/bin/zhicheng account demo --cycle "sim-jiayuguan-2024-s${SEED:-2024}-n${APPLICANTS:-2000}"
echo "查看工作台：.venv/bin/zhicheng dashboard --as-of 2024-11-20T10:00  然后打开 http://127.0.0.1:8000/"

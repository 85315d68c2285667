#!/usr/bin/env bash
# Sets up and runs the whole test suite: lint, then pytest on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/services.sh
export PREFECT_SERVER_ANALYTICS_ENABLED=false
.venv/bin/ruff check .
.venv/bin/mypy
# pytest exits 5 when it collects no tests: with `set -e` that fails the run, as it should.
# Three workers: one per backend (tests/conftest.py groups them) and one for the live drill against a
# real Prefect server, which mostly waits for its scheduled instants.
.venv/bin/python -m pytest -q -n 3 --dist loadgroup "$@"

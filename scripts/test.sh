#!/usr/bin/env bash
# Set everything up and run the whole test suite, on SQLite and PostgreSQL.
# PostgreSQL: AGENT_MONITOR_TEST_POSTGRES_URL (default postgresql+psycopg2://postgres@127.0.0.1:5432/test);
# an unreachable server fails the PostgreSQL tests (AGENT_MONITOR_SKIP_POSTGRES=1 skips them).
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/install_browser.sh
.venv/bin/dagster definitions validate -m agent_monitor.definitions
status=0
.venv/bin/python -m pytest -q "$@" || status=$?
.venv/bin/ruff check agent_monitor agent_monitor_tests || status=$?
exit "$status"

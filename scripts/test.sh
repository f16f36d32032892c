#!/usr/bin/env bash
# Set everything up and run the whole test suite, on SQLite and PostgreSQL.
# PostgreSQL: AGENT_MONITOR_TEST_POSTGRES_URL (default postgresql+psycopg2://postgres@127.0.0.1:5432/test);
# an unreachable server fails the PostgreSQL tests (AGENT_MONITOR_SKIP_POSTGRES=1 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/install_browser.sh
.venv/bin/dagster definitions validate -m agent_monitor.definitions
.venv/bin/ruff check agent_monitor agent_monitor_tests
exec .venv/bin/python -m pytest -q "$@"

#!/usr/bin/env bash
# Set everything up and run the demo on the embedded SQLite warehouse.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/agent-monitor demo "$@"

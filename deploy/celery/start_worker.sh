#!/usr/bin/env bash
# Start one Celery worker for agent_monitor on this machine.
#   DAGSTER_HOME                 folder holding deploy/celery/dagster.yaml (as dagster.yaml)
#   DAGSTER_PG_URL               the Dagster instance database (PostgreSQL)
#   AGENT_MONITOR_DATABASE_URL   the warehouse (PostgreSQL)
#   DAGSTER_CELERY_BROKER_URL    e.g. amqp://guest:guest@broker:5672// or redis://broker:6379/0
#   DAGSTER_CELERY_BACKEND_URL   e.g. rpc:// (with RabbitMQ) or redis://broker:6379/1
# Extra arguments go to `celery worker`, e.g. --concurrency=2.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${DAGSTER_HOME:?set DAGSTER_HOME}"
: "${DAGSTER_CELERY_BROKER_URL:?set DAGSTER_CELERY_BROKER_URL}"
export DAGSTER_CELERY_BACKEND_URL="${DAGSTER_CELERY_BACKEND_URL:-rpc://}"
name="${WORKER_NAME:-agent-monitor-$(hostname)-$$}"
exec dagster-celery worker start -A dagster_celery.app -y "$here/celery.yaml" -n "$name" \
  --includes agent_monitor.distributed -- "$@"

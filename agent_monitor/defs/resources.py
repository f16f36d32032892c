"""The resources every stage shares: the warehouse, the monitor configuration, the clock."""

from datetime import UTC, datetime

import dagster as dg
from pydantic import PrivateAttr
from sqlalchemy import Engine

from agent_monitor.lib.config import MonitorConfig, load_config
from agent_monitor.lib.warehouse.connection import redact, resolve_database_url
from agent_monitor.lib.warehouse.open import open_warehouse


class Warehouse(dg.ConfigurableResource):
    """The warehouse database: `url`, else AGENT_MONITOR_DATABASE_URL, else embedded SQLite."""

    url: str | None = None
    _engine: Engine | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._engine = open_warehouse(self.url)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:  # used outside a run, e.g. from a test or the CLI
            self._engine = open_warehouse(self.url)
        return self._engine

    def describe(self) -> str:
        return redact(resolve_database_url(self.url))


class MonitorSettings(dg.ConfigurableResource):
    """The YAML configuration: `path`, else AGENT_MONITOR_CONFIG, else ./agent_monitor.yaml."""

    path: str | None = None

    def load(self) -> MonitorConfig:
        return load_config(self.path)


class Clock(dg.ConfigurableResource):
    """What builds and sensors take as "now": the wall clock, or `fixed_now` (replays, tests).

    Builds judge the still-filling hour as of this moment and record it (SPEC §8); sensors
    decide which hours have ended by it.
    """

    fixed_now: str | None = None

    def now(self) -> datetime:
        """The current moment as naive UTC (the warehouse convention)."""
        if self.fixed_now:
            moment = datetime.fromisoformat(self.fixed_now)
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            return moment
        return datetime.now(UTC).replace(tzinfo=None)

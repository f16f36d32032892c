"""Paths to the real logs (../shared/data from the project root) and the span fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DATA = PROJECT_ROOT / ".." / "shared" / "data"
OTEL_FIXTURES = PROJECT_ROOT / "agent_monitor_tests" / "fixtures" / "otel"


@pytest.fixture
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip("the shared agent logs are not available")
    return DATA

"""Paths to the real logs (../shared/data from the project root) and the span fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent_monitor_tests.conftest import PROJECT_ROOT, SHARED_DATA

DATA = SHARED_DATA
OTEL_FIXTURES = PROJECT_ROOT / "agent_monitor_tests" / "fixtures" / "otel"


@pytest.fixture
def data_dir() -> Path:
    if not DATA.is_dir():
        # In CI the shared logs sit beside the checkout: their absence is a failure there.
        if os.environ.get("CI"):
            pytest.fail(f"the shared agent logs are not at {DATA}")
        pytest.skip("the shared agent logs are not available")
    return DATA

"""Collect the Dagster objects defined in the modules under `defs/`."""

from __future__ import annotations

import importlib
import pkgutil
import warnings

import dagster as dg

import agent_monitor.defs as defs_package


def load_stage_definitions() -> dg.Definitions:
    """Import every module under `defs/` and gather its assets, checks, jobs, sensors, schedules."""
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(defs_package.__path__, f"{defs_package.__name__}.")
        if info.name != __name__
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.load_definitions_from_modules(modules)

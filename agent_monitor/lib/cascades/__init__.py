"""Cascade analysis: C1 failure chains and C2 cascade correlation (SPEC §4)."""

from agent_monitor.lib.cascades.chains import FailureChain, Step, failure_chains
from agent_monitor.lib.cascades.correlation import (
    BucketCount,
    EdgeCorrelation,
    bucket_failure_rates,
    edge_correlation,
    observed_edges,
)

__all__ = [
    "BucketCount",
    "EdgeCorrelation",
    "FailureChain",
    "Step",
    "bucket_failure_rates",
    "edge_correlation",
    "failure_chains",
    "observed_edges",
]

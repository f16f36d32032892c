"""Per-response values computed at ingest, so raw logprobs and text need not be stored."""

from __future__ import annotations

from typing import Any


def derived_columns(event: dict[str, Any]) -> dict[str, Any]:
    """Output entropy (P2) from logprobs, and the text proxies (hedging, repeated 3-grams)."""
    from agent_monitor.lib.signals.entropy import response_entropy
    from agent_monitor.lib.signals.proxies import hedging_rate, repeated_trigram_rate

    entropy, source = response_entropy(
        top_logprobs=event.get("top_logprobs"), token_logprobs=event.get("token_logprobs")
    )
    text = event.get("text")
    return {
        "output_entropy": entropy,
        "entropy_source": source if entropy is not None else None,
        "hedging_rate": hedging_rate(text) if isinstance(text, str) else None,
        "repeated_trigram_rate": repeated_trigram_rate(text) if isinstance(text, str) else None,
    }

"""M3 decision consistency: shadow pairs and repeated-input groups."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.metrics.rows import Rows, as_rows, get, hour_of, is_primary, order_key


@dataclass(frozen=True)
class ShadowPair:
    """A primary response and one shadow of it, both deciding the same decision name."""

    primary_event_id: str
    shadow_event_id: str
    hour: datetime
    agent_id: str
    decision_name: str
    decision_path: str | None
    primary_value: str | None
    shadow_value: str | None

    @property
    def agree(self) -> bool:
        """Values are equal (canonical JSON text compared as strings)."""
        return self.primary_value == self.shadow_value


@dataclass(frozen=True)
class ShadowPairCount:
    """Pairs and disagreements of one hour × agent × decision name × path."""

    hour: datetime
    agent_id: str
    decision_name: str
    decision_path: str | None
    n_pairs: int
    n_disagreements: int

    @property
    def disagreement_rate(self) -> float | None:
        """Disagreements / pairs (None without pairs)."""
        return ratio(self.n_disagreements, self.n_pairs)


@dataclass(frozen=True)
class RepeatedInputGroup:
    """Primary responses of one agent with the same input_hash and decision name."""

    agent_id: str
    input_hash: str
    decision_name: str
    decision_path: str | None
    first_ts: datetime
    n_responses: int
    n_agreeing: int
    majority_value: str | None

    @property
    def agreement(self) -> float:
        """Share of the group's responses whose value equals the most common value."""
        return self.n_agreeing / self.n_responses


def match_shadow_pairs(primaries: Rows, shadows: Rows) -> list[ShadowPair]:
    """Pair each shadow with the primary it mirrors when both decide the same name."""
    by_id: dict[str, Mapping[str, Any]] = {}
    for row in as_rows(primaries):
        if is_primary(row) and get(row, "decision_name") is not None:
            by_id[str(row["event_id"])] = row
    pairs: list[ShadowPair] = []
    for shadow in sorted(as_rows(shadows), key=order_key):
        if is_primary(shadow):
            continue
        primary = by_id.get(str(get(shadow, "shadow_of")))
        if primary is None or get(shadow, "decision_name") != primary["decision_name"]:
            continue
        pairs.append(
            ShadowPair(
                primary_event_id=str(primary["event_id"]),
                shadow_event_id=str(shadow["event_id"]),
                hour=hour_of(primary["ts"]),
                agent_id=str(primary["agent_id"]),
                decision_name=str(primary["decision_name"]),
                decision_path=get(primary, "decision_path"),
                primary_value=get(primary, "decision_value"),
                shadow_value=get(shadow, "decision_value"),
            )
        )
    return pairs


def shadow_pairs(primaries: Rows, shadows: Rows) -> list[ShadowPairCount]:
    """Pairs and disagreements per P's hour, agent, decision name and P's decision path."""
    counts: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for pair in match_shadow_pairs(primaries, shadows):
        key = (pair.hour, pair.agent_id, pair.decision_name, pair.decision_path)
        counts[key][0] += 1
        counts[key][1] += 0 if pair.agree else 1
    return [
        ShadowPairCount(*key, n_pairs=n, n_disagreements=d)
        for key, (n, d) in sorted(counts.items(), key=lambda kv: tuple(map(str, kv[0])))
    ]


def repeated_input_groups(responses: Rows) -> list[RepeatedInputGroup]:
    """Groups of >= 2 primary responses by (agent_id, input_hash, decision_name)."""
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in sorted(as_rows(responses), key=order_key):
        if not is_primary(row):
            continue
        input_hash, name = get(row, "input_hash"), get(row, "decision_name")
        if input_hash is None or name is None:
            continue
        groups[(str(row["agent_id"]), str(input_hash), str(name))].append(row)
    out: list[RepeatedInputGroup] = []
    for (agent_id, input_hash, name), rows in sorted(groups.items()):
        if len(rows) < 2:
            continue
        values = [get(r, "decision_value") for r in rows]
        counts = Counter(values)
        top = max(counts.values())
        # Ties go to the value seen first (rows are in ts, event_id order).
        majority = next(v for v in values if counts[v] == top)
        out.append(
            RepeatedInputGroup(
                agent_id=agent_id,
                input_hash=input_hash,
                decision_name=name,
                decision_path=get(rows[0], "decision_path"),
                first_ts=rows[0]["ts"],
                n_responses=len(rows),
                n_agreeing=top,
                majority_value=majority,
            )
        )
    return out

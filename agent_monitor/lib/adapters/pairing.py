"""Which tau2 result file a run shadows: the base model's run of the same scenario."""

from __future__ import annotations

from pathlib import Path

from agent_monitor.lib.adapters.common import base_stem

SUFFIXES = (".json", ".json.gz")


def split_tau2_stem(stem: str) -> tuple[str, str]:
    """(model label, scenario) from `<model>_<scenario>`, e.g. ('gpt-4.1', 'airline')."""
    label, _, scenario = stem.partition("_")
    return label, scenario


def tau2_primary_for(path: Path) -> Path | None:
    """The sibling `<base>_<scenario>` file whose label `<base>` prefixes ours as `<base>-…`.

    `gpt-4.1-finetuned_airline.json` shadows `gpt-4.1_airline.json` in the same folder;
    the longest such base wins; a file with no such sibling is a primary run.
    """
    label, scenario = split_tau2_stem(base_stem(path))
    if not scenario:
        return None
    best: tuple[int, Path] | None = None
    for sibling in sorted(path.parent.iterdir()):
        if sibling == path or not sibling.name.endswith(SUFFIXES):
            continue
        sibling_label, sibling_scenario = split_tau2_stem(base_stem(sibling))
        if sibling_scenario == scenario and label.startswith(sibling_label + "-"):
            if best is None or len(sibling_label) > best[0]:
                best = (len(sibling_label), sibling)
    return best[1] if best else None

"""`agent-monitor silence add` refuses a rule that does not exist, and suggests the right one."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_monitor.cli import main


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("m1_confidence_divergnce", "--rule 'm1_confidence_divergnce' matches no alert rule; "
                                    "did you mean m1_confidence_divergence?"),
        ("m9_*", "--rule 'm9_*' matches no alert rule; rules: c2_cascade_risk, "),
    ],
)
def test_an_unknown_rule_is_refused(rule: str, message: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    code = main(["silence", "add", "--rule", rule, "--for", "1h", "--reason", "r", "--author", "a",
                 "--database-url", url])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "w.db").exists()  # refused before the warehouse is opened


def test_a_known_rule_or_matching_glob_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    for rule in ("m1_confidence_divergence", "m5_*", "*"):
        assert main(["silence", "add", "--rule", rule, "--for", "1h", "--reason", "r", "--author", "a",
                     "--database-url", url]) == 0
    assert capsys.readouterr().out.count("silence ") == 3

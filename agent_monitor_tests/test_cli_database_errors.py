"""An unreachable or unknown warehouse is one actionable line on every command, password hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_monitor.cli import main

REFUSED = "postgresql+psycopg2://monitor:s3cret@127.0.0.1:1/test"
UNKNOWN_DATABASE = "postgresql+psycopg2://postgres:s3cret@127.0.0.1:5432/no_such_database_here"

COMMANDS = [
    ["ingest", "{file}"],
    ["metrics", "show"],
    ["review", "export", "-o", "{tmp}/out.csv"],
    ["silence", "list"],
    ["backtest", "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-02T00:00:00Z"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_refused_connection_is_one_line(command: list[str], tmp_path: Path, capsys) -> None:
    events = tmp_path / "e.jsonl"
    events.write_text("{}\n")
    argv = [part.format(file=events, tmp=tmp_path) for part in command]
    assert main([*argv, "--database-url", REFUSED]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        f"agent-monitor {command[0]}: cannot reach the warehouse postgresql+psycopg2://monitor:***@127.0.0.1:1/test: "
    )
    assert "Connection refused" in err
    assert err.rstrip().endswith(
        "check that the server is running and reachable, and the host, port, database name and "
        "credentials in the URL (--database-url or AGENT_MONITOR_DATABASE_URL)"
    )
    assert "s3cret" not in err


@pytest.mark.postgres
def test_an_unknown_database_is_one_line(tmp_path: Path, capsys) -> None:
    from agent_monitor_tests.conftest import SKIP_POSTGRES

    if SKIP_POSTGRES:
        pytest.skip("AGENT_MONITOR_SKIP_POSTGRES=1")
    assert main(["silence", "list", "--database-url", UNKNOWN_DATABASE]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert 'database "no_such_database_here" does not exist' in err
    assert "postgres:***@127.0.0.1:5432/no_such_database_here" in err and "s3cret" not in err


def test_a_driver_that_is_not_installed_is_one_line(capsys) -> None:
    assert main(["silence", "list", "--database-url", "mysql://u:s3cret@db/monitor"]) == 2
    err = capsys.readouterr().err
    assert err == "agent-monitor silence: cannot use the warehouse URL mysql://u:***@db/monitor: No module named 'MySQLdb'\n"


def test_a_sqlite_folder_that_cannot_be_made_is_one_line(capsys) -> None:
    assert main(["silence", "list", "--database-url", "sqlite:////proc/no/warehouse.db"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "agent-monitor silence: cannot open the warehouse sqlite:////proc/no/warehouse.db: "
        "[Errno 2] No such file or directory: '/proc/no'\n"
    )


def test_bench_names_the_postgresql_server_it_could_not_reach(tmp_path: Path, capsys) -> None:
    # The default warehouse is the SQLite file; the bench's PostgreSQL runs use --postgres-url.
    # The line must name the server that refused, not the SQLite file nobody asked about.
    argv = ["bench", "--quick", "--parts", "ingest", "--databases", "postgres", "--postgres-url", REFUSED,
            "--workdir", str(tmp_path), "-o", str(tmp_path / "out.json")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("agent-monitor bench: cannot reach the warehouse postgresql+psycopg2://monitor:***@127.0.0.1:1/test: ")
    assert "sqlite" not in err and "s3cret" not in err

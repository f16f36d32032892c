"""`agent-monitor dashboard serve`: the dashboard pages over HTTP on loopback."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from types import FrameType

from agent_monitor.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard", help="serve the health dashboard over HTTP on loopback",
        description="Serve the folder the dashboard asset writes (index, agent and trace pages).",
    )
    commands = parser.add_subparsers(dest="dashboard_command", required=True, metavar="ACTION")
    serve = commands.add_parser("serve", help="serve the dashboard at http://127.0.0.1:PORT/")
    serve.add_argument("--port", type=int, help="port (default: dashboard.port of the config, else 8765)")
    serve.add_argument("--folder", type=Path, help="folder to serve (default: where the config writes the page)")
    serve.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from agent_monitor.lib.config import ConfigError, load_config
    from agent_monitor.lib.dashboard.serve import DEFAULT_PORT, dashboard_server

    try:
        settings = load_config().dashboard
    except ConfigError as error:
        raise CommandError(str(error)) from None
    folder = args.folder or settings.resolved_output_path().parent
    if not (folder / "index.html").is_file():
        raise CommandError(f"{folder}: no index.html yet (materialize agent_health_dashboard, or run the demo)")
    port = args.port if args.port is not None else (settings.port or DEFAULT_PORT)
    try:
        server = dashboard_server(folder, port)
    except OSError as error:
        raise CommandError(f"cannot listen on 127.0.0.1:{port}: {error.strerror}") from None
    print(f"serving {folder} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
    if not settings.base_url and settings.port != server.server_address[1]:
        print(f"  Slack links use http:// once the config says dashboard: {{port: {server.server_address[1]}}}",
              flush=True)
    # `kill` (SIGTERM) stops it like Ctrl-C, whatever it inherited: Dagster maps SIGTERM to
    # SIGINT's handler, and SIGINT is ignored in a process started in the background by a
    # shell without job control, so the server would otherwise ignore SIGTERM too.
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt

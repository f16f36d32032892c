"""`agent-monitor dashboard serve`: serves the folder on loopback and stops on SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from agent_monitor_tests.conftest import PROJECT_ROOT


def test_serve_answers_and_stops_on_sigterm_even_when_started_ignoring_it(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><body>agent health</body></html>")

    def ignore_sigterm() -> None:  # as a shell without job control leaves a background process
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    server = subprocess.Popen(
        [sys.executable, "-c", "from agent_monitor.cli import main; raise SystemExit(main())",
         "dashboard", "serve", "--folder", str(tmp_path), "--port", "0"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True, preexec_fn=ignore_sigterm)
    try:
        assert server.stdout is not None
        served = re.search(r"http://127\.0\.0\.1:(\d+)/", server.stdout.readline())
        assert served
        with urllib.request.urlopen(f"http://127.0.0.1:{served.group(1)}/index.html", timeout=30) as response:
            assert response.read().decode() == "<html><body>agent health</body></html>"
        server.terminate()
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

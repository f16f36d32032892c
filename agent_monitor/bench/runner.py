"""Run one measurement in a child process; its peak RSS comes from the kernel (wait4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


class MeasurementError(RuntimeError):
    """The child failed or ran out of time; the message carries its stderr tail."""


def run_measure(name: str, params: dict[str, Any], *, timeout_seconds: float = 7200) -> dict[str, Any]:
    """The measurement's result, plus `peak_rss_mib` (ru_maxrss of the child) and `wall_seconds`."""
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        params_path, out_path = Path(folder) / "params.json", Path(folder) / "out.json"
        err_path = Path(folder) / "stderr.txt"
        params_path.write_text(json.dumps(params))
        command = [sys.executable, "-m", "agent_monitor.bench.worker", name, str(params_path), str(out_path)]
        began = time.perf_counter()
        with err_path.open("wb") as stderr:
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
            deadline = time.monotonic() + timeout_seconds
            while True:
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    child.kill()
                    os.wait4(child.pid, 0)
                    raise MeasurementError(f"{name}: no result within {timeout_seconds:.0f} s")
                time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - began
        if child.returncode != 0 or not out_path.exists():
            tail = err_path.read_text(errors="replace")[-3000:]
            raise MeasurementError(f"{name} failed (exit {child.returncode}):\n{tail}")
        result: dict[str, Any] = json.loads(out_path.read_text())
    # Linux reports ru_maxrss in KiB.
    result["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    result["wall_seconds"] = wall
    return result

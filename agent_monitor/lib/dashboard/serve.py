"""Serve the dashboard folder over HTTP on loopback, so that links to it are http:// links."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8765


def dashboard_server(folder: Path, port: int = DEFAULT_PORT) -> http.server.ThreadingHTTPServer:
    """A server of `folder` bound to 127.0.0.1:port (port 0: any free port), not yet serving."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer((LOOPBACK, port), handler)

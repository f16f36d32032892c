"""Where the dashboard's pages live next to its index page, and their links."""

from __future__ import annotations

import hashlib
import re

SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")
TRACES_FOLDER = "traces"
AGENTS_FOLDER = "agents"


def _file_name(name: str, prefix: str) -> str:
    """A file name that is the name itself when it is safe in a path and a URL, else a hash."""
    if SAFE_NAME.fullmatch(name) and not name.startswith("."):
        return f"{name}.html"
    return f"{prefix}-{hashlib.sha256(name.encode()).hexdigest()[:20]}.html"


def trace_file(trace_id: str) -> str:
    """`traces/<trace id>.html`, relative to the index page."""
    return f"{TRACES_FOLDER}/{_file_name(trace_id, 'trace')}"


def agent_file(agent_id: str) -> str:
    """`agents/<agent>.html`, relative to the index page."""
    return f"{AGENTS_FOLDER}/{_file_name(agent_id, 'agent')}"


def dashboard_folder_url(dashboard_url: str) -> str:
    """The URL of the folder holding the index page (the page's URL without its file name)."""
    head, _, last = dashboard_url.rpartition("/")
    return head if "." in last else dashboard_url.rstrip("/")


def trace_page_url(dashboard_url: str, trace_id: str) -> str:
    """The link to the dashboard's own page of a trace."""
    return f"{dashboard_folder_url(dashboard_url)}/{trace_file(trace_id)}"

"""A validation worker that answers its first batch and exits with code 3 on receiving the second."""

from __future__ import annotations

import os
import sys

from agent_monitor.lib.ingest.parallel import classify_outcomes, read_frame, write_frame


def main() -> None:
    records, store_text = read_frame(sys.stdin.buffer)
    write_frame(sys.stdout.buffer, classify_outcomes(records, store_text))
    read_frame(sys.stdin.buffer)
    os._exit(3)


if __name__ == "__main__":
    main()

"""A validation worker (lib/ingest/parallel.py): batches of records in on stdin, outcomes out on stdout.

Each frame in is `(records, store_text)`, each frame out the records' outcomes in order; the
worker exits at the end of its input. It ignores Ctrl-C (sent to the whole process group):
the ingesting process stops it by closing its input, and a worker whose parent died sees its
input end (or its answer refused) and exits.
"""

from __future__ import annotations

import signal
import sys

from agent_monitor.lib.ingest.parallel import WorkerFailed, classify_outcomes, read_frame, write_frame


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            records, store_text = read_frame(requests)
        except EOFError:
            return 0
        except WorkerFailed:  # a request cut short: the ingesting process died while sending it
            return 1
        try:
            write_frame(answers, classify_outcomes(records, store_text))
        except BrokenPipeError:  # the ingesting process is gone: nobody to answer
            return 1


if __name__ == "__main__":
    sys.exit(main())

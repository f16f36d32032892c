"""Validate a large file's batches in worker processes while this process writes.

Decoding and checking events (`batch.classify`) is pure Python and about half of what
ingestion spends; the rest is building the COPY text and waiting on the database. Worker
processes validate the next batches while this one writes the current one, so the two halves
overlap on two cores. Each worker holds one batch at a time and batches come back in the
file's order, so at most `workers` batches are ahead of the write (memory stays bounded
whatever the file's size); the items are the ones `classify` gives inline, a rejection with
its reason and detail.

A worker is `python -m agent_monitor.lib.ingest.validate_worker`, a fresh interpreter talking
over its stdin and stdout: nothing of this process is copied into it (no `fork` of a parent
holding threads and connections) and the caller's `__main__` is never re-imported (as
multiprocessing's `spawn` would). Workers start only where they pay for their start
(~0.5 s): for JSONL files with `PARALLEL_MIN_BYTES` or more to read, on a machine with more
than one CPU. A worker that dies stops the run with its exit code (the ledger says failed;
the next run counts what was committed as duplicates, as after any failure).
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import IO, Any

from agent_monitor.lib.ingest.batch import Item, classify
from agent_monitor.lib.ingest.records import SourceRecord
from agent_monitor.lib.ingest.validate import Rejected, ValidEvent

# ~100k events of the usual ~330 bytes: below this, starting a worker costs more than it saves.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024
MAX_WORKERS = 4
WORKER_MODULE = "agent_monitor.lib.ingest.validate_worker"

# What a worker sends back per record: None (blank line), a row, or (reason, detail).
Outcome = dict[str, Any] | tuple[str, str] | None
_LENGTH = struct.Struct("<Q")


class WorkerFailed(RuntimeError):
    """A validation worker exited or answered out of protocol."""


def worker_count(bytes_to_read: int) -> int:
    """How many validating workers to start for a file with `bytes_to_read` left: 0 = inline."""
    if bytes_to_read < PARALLEL_MIN_BYTES:
        return 0
    return max(0, min(MAX_WORKERS, (os.cpu_count() or 1) - 1))


def classified_batches(
    batches: Iterable[list[SourceRecord]], *, store_text: bool, workers: int
) -> Iterator[list[Item]]:
    """Each batch's items, in order: validated inline (`workers` 0) or by worker processes."""
    if workers < 1:
        for records in batches:
            yield [classify(record, store_text=store_text) for record in records]
        return
    batches = iter(batches)
    pool = [_start_worker() for _ in range(workers)]
    # (worker, the batch it holds), in the file's order: the oldest batch's answer is taken
    # first, and its worker gets the next batch and goes to the back.
    holding: deque[tuple[subprocess.Popen[bytes], list[SourceRecord]]] = deque()
    try:
        for process, records in zip(pool, batches, strict=False):
            _send(process, (records, store_text))
            holding.append((process, records))
        while holding:
            process, records = holding.popleft()
            outcomes = _receive(process)
            following = next(batches, None)
            if following is not None:
                _send(process, (following, store_text))
                holding.append((process, following))
            yield _items(records, outcomes)
    finally:
        for process in pool:
            _stop(process)


def classify_outcomes(records: list[SourceRecord], store_text: bool) -> list[Outcome]:
    """`classify` each record, reduced to what pickles small (run in a worker)."""
    outcomes: list[Outcome] = []
    for record in records:
        item = classify(record, store_text=store_text)
        if item.event is not None:
            outcomes.append(item.event.row)
        elif item.rejection is not None:
            outcomes.append((item.rejection.reason, item.rejection.detail))
        else:
            outcomes.append(None)
    return outcomes


def write_frame(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next value, or EOFError when the stream ended between frames."""
    header = stream.read(_LENGTH.size)
    if not header:
        raise EOFError
    if len(header) < _LENGTH.size:
        raise WorkerFailed("validation worker: frame header cut short")
    (length,) = _LENGTH.unpack(header)
    data = stream.read(length)
    if len(data) < length:
        raise WorkerFailed("validation worker: frame cut short")
    return pickle.loads(data)


def _start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", WORKER_MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )


def _send(process: subprocess.Popen[bytes], value: Any) -> None:
    assert process.stdin is not None
    try:
        write_frame(process.stdin, value)
    except BrokenPipeError:
        raise _failure(process) from None


def _receive(process: subprocess.Popen[bytes]) -> list[Outcome]:
    assert process.stdout is not None
    try:
        return read_frame(process.stdout)
    except EOFError:
        raise _failure(process) from None


def _failure(process: subprocess.Popen[bytes]) -> WorkerFailed:
    _stop(process)
    code = process.returncode
    return WorkerFailed(f"validation worker (pid {process.pid}) exited with code {code} before answering")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Close the worker's pipes and wait for it; kill it if it lingers.

    Its answers first: a worker still validating a batch (the write failed meanwhile) then
    finds nobody to answer and exits, instead of blocking on a full pipe. Then its input: an
    idle worker exits at the end of it.
    """
    for stream in (process.stdout, process.stdin):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass  # a request the worker will never read
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _items(records: list[SourceRecord], outcomes: list[Outcome]) -> list[Item]:
    if len(outcomes) != len(records):
        raise WorkerFailed(f"validation worker answered {len(outcomes)} items for {len(records)} records")
    items: list[Item] = []
    for record, outcome in zip(records, outcomes, strict=True):
        if outcome is None:
            items.append(Item(record))
        elif isinstance(outcome, dict):
            items.append(Item(record, event=ValidEvent(outcome)))
        else:
            items.append(Item(record, rejection=Rejected(*outcome)))
    return items

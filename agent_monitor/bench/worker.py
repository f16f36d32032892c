"""Child-process entry: `python -m agent_monitor.bench.worker NAME PARAMS.json OUT.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from agent_monitor.bench.measures import MEASURES


def main(argv: list[str]) -> int:
    name, params_path, out_path = argv
    result = MEASURES[name](json.loads(Path(params_path).read_text()))
    Path(out_path).write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

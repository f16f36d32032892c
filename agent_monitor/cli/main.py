"""`python -m agent_monitor.cli.main …` runs the command without the installed script."""

import sys

from agent_monitor.cli import main

if __name__ == "__main__":
    sys.exit(main())

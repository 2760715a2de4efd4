"""``python -m dataops.simulator``."""

from dataops.simulator.cli import main

raise SystemExit(main())

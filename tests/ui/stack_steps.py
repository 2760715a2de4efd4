"""The embedded stack's data for the browser test, made by the demo's own core steps at small volume.

Run as ``python -m tests.ui.stack_steps YYYY-MM-DD`` with the stack's environment (``dataops.devstack``):
lands the demo's days up to and including its first fault day (``volume_drop``), loads the history through
the core steps (ingest, dbt build, SPC history) and makes a first champion. Airflow is started by the test.
"""

from __future__ import annotations

import sys
from datetime import date

from dataops.devstack.demo import HISTORY_DAYS, Demo, bootstrap_champion, land, load_history
from dataops.devstack.settings import StackSettings

#: the backfilled days: a clean one and the demo's volume_drop day (its gate fails)
BACKFILL = (HISTORY_DAYS, HISTORY_DAYS + 1)


def main(today: str) -> int:
    demo = Demo(StackSettings.from_env(), today=date.fromisoformat(today))
    demo.stack.log_dir.mkdir(parents=True, exist_ok=True)
    land(demo, range(0, BACKFILL[-1] + 1))
    load_history(demo)
    bootstrap_champion(demo)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

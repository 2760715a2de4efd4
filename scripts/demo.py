"""The main job of `make demo`, run inside the embedded stack's environment.

Runs the DAGs with ``dag.test()`` in this process, so every run is recorded in the embedded
Airflow metadata database and can be browsed afterwards with ``make up``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime


def run(dag_id: str, logical_date: datetime) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag()
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    dag = bag.get_dag(dag_id)
    state = dag.test(logical_date=logical_date).state
    print(f"{dag_id} {logical_date.date()}: {state}", flush=True)
    if state != "success":
        raise SystemExit(f"{dag_id} run for {logical_date.date()} ended in state {state}")


def main() -> int:
    run("smoke_stack", datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0))
    return 0


if __name__ == "__main__":
    sys.exit(main())

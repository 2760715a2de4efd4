"""The process faults of a scenario as rows of the reliability table (``make reliability`` prints them next to
the input and outage classes): per fault class, the cases run, how many ended identical to an undisturbed run,
and the rows lost or duplicated on the disturbed days.

Rows are counted from the warehouse: every landed row of a disturbed day is loaded or quarantined
(``raw.ingest_files``: landed = loaded + quarantined; ``raw.transactions`` holds each id once) and, on a clean
day, scored once by the champion (``marts.predictions``: one row per id of ``marts.fct_transaction_features``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dataops.devstack.demo import VALUE_DAG
from dataops.reliability.measured import measured_rows
from dataops.reliability.table import render


@dataclass
class FaultRow:
    """One line of the table, in the columns of :mod:`dataops.reliability.table`."""

    cls: str
    cases: int
    rows: int
    identical: int
    other: int
    lost: int
    duplicated: int


def day_rows(rows_of, day: str, clean: bool) -> tuple[int, int, int]:
    """(landed rows, rows lost, rows duplicated) of one day's transactions."""
    landed, loaded, quarantined = rows_of(
        "SELECT coalesce(sum(rows_landed), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) "
        f"FROM raw.ingest_files WHERE source = 'transactions' AND batch_date = '{day}' AND version = "
        f"(SELECT max(version) FROM raw.ingest_files WHERE source = 'transactions' AND batch_date = '{day}')")[0]
    rows, ids = rows_of(f"SELECT count(*), count(DISTINCT tx_id) FROM raw.transactions WHERE batch_date = '{day}'")[0]
    lost, duplicated = max(0, landed - loaded - quarantined) + max(0, loaded - ids), rows - ids
    if clean:
        scored, distinct = rows_of("SELECT count(*), count(DISTINCT id) FROM marts.predictions "
                                   f"WHERE batch_date = '{day}' AND role = 'champion'")[0]
        features = rows_of(f"SELECT count(*) FROM marts.fct_transaction_features WHERE batch_date = '{day}'")[0][0]
        lost += max(0, features - distinct)
        duplicated += scored - distinct
    return int(landed), int(lost), int(duplicated)


def fault_rows(stack: str, seen: Any, scenario: Any, rows_of, registry_of) -> list[FaultRow]:
    """The table's rows for the disturbances of one stack's scenario (:class:`tests.e2e.harness.Observed`).

    A disturbed day ends identical when its run ends as an undisturbed day does (a clean day succeeds, a fault
    day stops at its gate) and, for the clean days, when clearing and rerunning it undisturbed left every table
    as it was; the Innovation Pipeline's run when it registered one version, recorded one decision and moved
    ``champion`` once.
    """
    identical_tables = bool(seen.before_rerun) and seen.before_rerun == seen.after_rerun
    runs = {r["logical_date"][:10]: r for r in seen.backfill}

    def day_ok(day: str) -> bool:
        clean = scenario.fault_of(day) is None
        return runs[day]["state"] == ("success" if clean else "failed") and (not clean or identical_tables)

    out = []
    for name, thread in seen.disturbances.items():
        days = _days_of(name, thread, runs)
        counted = [day_rows(rows_of, d, scenario.fault_of(d) is None) for d in days]
        cases = _cases(name, thread)
        ok = cases if all(day_ok(d) for d in days) and thread.error is None else 0
        if name == "kill_every_task" and thread.error is None:
            innovation_ok = _innovation_ok(seen, registry_of)
            ok = sum(1 for k in thread.kills
                     if (day_ok(_day_of_run(runs, k.run_id)) if k.dag_id == VALUE_DAG else innovation_ok))
        out.append(FaultRow(f"{LABELS[name]} ({stack})", cases, sum(c[0] for c in counted), ok, cases - ok,
                            sum(c[1] for c in counted), sum(c[2] for c in counted)))
    return out


LABELS = {"kill_every_task": "every task SIGKILLed once at a random point",
          "scheduler_restart": "scheduler restarted mid-day",
          "worker_kill": "Celery worker SIGKILLed mid-ingest"}


def _cases(name: str, thread: Any) -> int:
    if name == "kill_every_task":
        return len(thread.kills)
    return 1 if (thread.restart if name == "scheduler_restart" else thread.kill) is not None else 0


def _days_of(name: str, thread: Any, runs: dict[str, dict]) -> list[str]:
    if name == "kill_every_task":
        return sorted({_day_of_run(runs, k.run_id) for k in thread.kills if k.dag_id == VALUE_DAG})
    event = thread.restart if name == "scheduler_restart" else thread.kill
    return [event.day] if event is not None else []


def _day_of_run(runs: dict[str, dict], run_id: str) -> str:
    return next(day for day, run in runs.items() if run["dag_run_id"] == run_id)


def _innovation_ok(seen: Any, registry_of) -> bool:
    if not seen.innovation or seen.innovation[0]["state"] != "success":
        return False
    key = f"innovation_pipeline_transactions/{seen.innovation[0]['dag_run_id']}"
    versions = registry_of(f"SELECT count(*) FROM registry.model_versions WHERE run_key = '{key}'")[0][0]
    decisions = registry_of(f"SELECT count(*) FROM registry.decisions WHERE run_key = '{key}'")[0][0]
    return versions == 1 and decisions == 1


def write_rows(path: Path, rows: list[FaultRow]) -> None:
    """The rows as JSON (``make reliability`` reads them) and as the table it prints, next to it (the e2e
    summary shows it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    table_rows, _ = measured_rows(path.parent, path.name)
    path.with_suffix(".txt").write_text(render(table_rows, "fault class") + "\n")


def report_faults(name: str, seen: Any, scenario: Any, rows_of, registry_of) -> list[FaultRow]:
    """Compute the stack's fault rows and write them to ``test-artifacts/e2e/<name>-fault-table.json``
    (``make reliability`` adds them to its table)."""
    from tests.e2e.harness import REPORTS

    rows = fault_rows(name, seen, scenario, rows_of, registry_of)
    write_rows(REPORTS / f"{name}-fault-table.json", rows)
    return rows

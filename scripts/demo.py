"""The main job of `make demo`, run inside the embedded stack's environment (see dataops.devstack).

1. The simulator lands 90 days of card transactions and chargebacks in the local S3, with faults on a few days.
2. The first 80 days are loaded as history with the same core steps as the pipeline (ingest, dbt, SPC metrics).
3. The Innovation Pipeline trains, evaluates and promotes the first champion.
4. The Value Pipeline runs day by day over the last 10 days: the faulty days are stopped by the quality
   gate (and the analysts get an email); the others are scored by the champion.

Every DAG run goes through ``dag.test()`` in this process and is recorded in the embedded Airflow database:
``make up`` shows them in the UI afterwards.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dataops import settings

REPO = Path(__file__).resolve().parents[1]
START = date(2025, 12, 1)
DAYS = 90
HISTORY_DAYS = 80
TX_PER_DAY = settings.get_int("DATAOPS_DEMO_TX_PER_DAY")
FAULTS = {  # day offset -> fault; all inside the days the Value Pipeline DAG runs
    82: "volume_drop",
    84: "amount_shift",
    86: "schema_change:renamed",
}


QUALITY_TASKS = {"quality.spc_gate", "score.score_metrics"}


def day(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


def step(text: str) -> float:
    print(f"\n== {text}", flush=True)
    return time.monotonic()


def land() -> None:
    from dataops.simulator.cli import main as simulate

    args = ["land", "--start", START.isoformat(), "--days", str(DAYS), "--tx-per-day", str(TX_PER_DAY),
            "--seed", "7", "--epoch", START.isoformat()]
    for offset, fault in FAULTS.items():
        args += ["--fault", f"{day(offset)}:{fault}"]
    if simulate(args) != 0:
        raise SystemExit("landing the simulated batches failed")


def load_history() -> None:
    import boto3

    from dataops.backfill import dbt_build_all, ingest_history
    from dataops.datasets import load_dataset
    from dataops.warehouse import WarehouseLocation

    location = WarehouseLocation.from_env()
    s3 = boto3.client("s3", endpoint_url=settings.require("DATAOPS_S3_ENDPOINT_URL"))
    dates = [day(i) for i in range(HISTORY_DAYS)]
    reports = ingest_history(s3, settings.landing_bucket(), load_dataset("transactions"),
                             dates, location)
    loaded = sum(r.rows_loaded for r in reports)
    quarantined = sum(r.rows_quarantined for r in reports)
    print(f"ingested {len(dates)} days: {loaded} rows loaded, {quarantined} quarantined")
    dbt_build_all(REPO / "dbt_project", location)
    print("dbt build over the history: done")
    from dataops.quality.gate import run_gate

    flagged = [d for d in dates if run_gate(location, "transactions", d, run_id="demo-history", run_gx=False).critical]
    print(f"SPC metric history judged for {len(dates)} days ({len(flagged)} out of control: {flagged})")


def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag()
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    return bag


def run(bag, dag_id: str, logical: str, conf: dict | None = None) -> tuple[str, list[str]]:
    dag = bag.get_dag(dag_id)
    dr = dag.test(logical_date=datetime.fromisoformat(logical).replace(tzinfo=UTC), run_conf=conf)
    failed = [ti.task_id for ti in dr.get_task_instances() if ti.state == "failed"]
    print(f"{dag_id} {logical}: {dr.state}" + (f" (failed: {', '.join(failed)})" if failed else ""), flush=True)
    return dr.state, failed


def main() -> int:
    t = step(f"Landing {DAYS} days of simulated transactions ({TX_PER_DAY}/day) in the local S3")
    land()
    print(f"  {time.monotonic() - t:.0f}s")
    t = step(f"Loading the first {HISTORY_DAYS} days as history")
    load_history()
    print(f"  {time.monotonic() - t:.0f}s")
    bag = dagbag()
    t = step("Innovation Pipeline: train, evaluate and promote the first champion")
    # 80 days of history leave ~40 days of matured labels (the chargeback feed needs up to 40 days)
    if run(bag, "innovation_pipeline", day(HISTORY_DAYS), {"train_days": 21})[0] != "success":
        raise SystemExit("the Innovation Pipeline failed: see its task logs above")
    print(f"  {time.monotonic() - t:.0f}s")
    t = step(f"Value Pipeline over the last {DAYS - HISTORY_DAYS} days (faults on {', '.join(day(o) for o in FAULTS)})")
    outcomes = {day(i): run(bag, "value_pipeline_transactions", day(i)) for i in range(HISTORY_DAYS, DAYS)}
    print(f"  {time.monotonic() - t:.0f}s")
    broken = {d: failed for d, (_, failed) in outcomes.items() if set(failed) - QUALITY_TASKS}
    if broken:
        print(f"tasks failed for reasons other than a data-quality verdict: {broken}")
        return 1
    print("\nday         fault                  outcome")
    for d, (state, _failed) in outcomes.items():
        fault = next((f for o, f in FAULTS.items() if day(o) == d), "-")
        verdict = "scored by the champion" if state == "success" else "stopped by the quality gate"
        print(f"{d}  {fault:22s} {verdict}")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: dbt-duckdb keeps DuckDB connections open in this process and DuckDB's
    # bindings then print pages of harmless "nanobind: leaked instance" noise at exit.
    os._exit(code)

"""`make demo`: the pipelines on simulated data, run by the real Airflow scheduler of the embedded stack.

1. The simulator lands the 90 days before today (transactions and chargebacks, faults on a few days) in the
   local S3 -- except yesterday's batch, which "arrives late".
2. History: the first 84 days go through the same core steps as the pipeline's tasks without the scheduler
   (ingest, one dbt build, SPC metric history), and a first champion is trained on them (bootstrap).
3. Airflow starts (API server, scheduler, DAG processor, triggerer; LocalExecutor). The Value Pipeline is
   unpaused -- its scheduler run for yesterday waits in its sensor for the late batch -- and a backfill of
   the days before runs through the scheduler, one day at a time.
4. The Innovation Pipeline is unpaused: the scheduler starts its latest weekly run, which trains a challenger
   and promotes it only if it beats the champion on the same out-of-time data.
5. Yesterday's batch lands; the waiting run goes on and scores with whatever model is champion now.
6. The outcome table: one line per scheduler run. Everything stays in `.local/`; `make up` shows it.

The terminal gets one line per step and per run; details go to `.local/logs/demo.log` and each component's
log file (paths printed).
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from dataops import settings
from dataops.devstack.airflow_api import AirflowApi
from dataops.devstack.settings import StackSettings
from dataops.weblinks import TRIAGE_DAG_ID

DATASET = "transactions"
VALUE_DAG = f"value_pipeline_{DATASET}"
INNOVATION_DAG = f"innovation_pipeline_{DATASET}"
DAYS = 90
HISTORY_DAYS = 84
#: day offset -> simulator fault (all among the days the scheduler runs)
FAULTS = {85: "volume_drop", 86: "amount_shift", 87: "schema_change:renamed"}
#: tasks whose failure is a data-quality verdict (anything else failing is a defect of the demo)
QUALITY_TASKS = {"quality.spc_gate", "score.score_metrics"}

log = logging.getLogger("dataops.demo")


class Demo:
    """The demo's days and its terminal output.

    :param stack: the stack's settings (``log_dir``, ``airflow_home``, ``ui_url``).
    :param today: the first day not simulated (default: today, UTC).
    :param days: days simulated (the last one is yesterday); ``history_days`` of them are loaded as history.
    :param faults: day offset -> simulator fault (``kind[:params]``).
    :param tx_per_day: simulated transactions per day (default ``DATAOPS_DEMO_TX_PER_DAY``).
    :param train_days: training days of the bootstrapped first champion.
    """

    def __init__(self, stack: StackSettings, today: date | None = None, *, days: int = DAYS,
                 history_days: int = HISTORY_DAYS, faults: dict[int, str] | None = None,
                 tx_per_day: int | None = None, train_days: int = 21) -> None:
        self.stack = stack
        self.days, self.history_days, self.train_days = days, history_days, train_days
        self.faults = dict(FAULTS if faults is None else faults)
        self.start = (today or datetime.now(UTC).date()) - timedelta(days=days)
        self.tx_per_day = tx_per_day or settings.get_int("DATAOPS_DEMO_TX_PER_DAY")
        self.log_path = stack.log_dir / "demo.log"

    def day(self, offset: int) -> str:
        return (self.start + timedelta(days=offset)).isoformat()

    def say(self, text: str) -> None:
        """A line on the terminal (also while a step sends its output to the demo log)."""
        print(text, file=sys.__stdout__, flush=True)
        with open(self.log_path, "a") as fh:
            print(text, file=fh)

    @contextlib.contextmanager
    def step(self, text: str) -> Iterator[None]:
        """One terminal line per step: what, then how long; the step's own output goes to the demo log."""
        print(f"- {text}", flush=True)
        t = time.monotonic()
        with open(self.log_path, "a") as fh, contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
            print(f"\n== {text}", flush=True)
            yield
        print(f"  done in {time.monotonic() - t:.0f}s", flush=True)


def land(demo: Demo, days: range) -> None:
    """Land ``days`` (offsets) with the simulator (deterministic per seed and day)."""
    from dataops.simulator.cli import main as simulate

    args = ["land", "--start", demo.day(days.start), "--days", str(len(days)), "--tx-per-day",
            str(demo.tx_per_day), "--seed", "7", "--epoch", demo.day(0)]
    for offset, fault in demo.faults.items():
        if offset in days:
            args += ["--fault", f"{demo.day(offset)}:{fault}"]
    if simulate(args) != 0:
        raise SystemExit("landing the simulated batches failed (see the demo log)")


def load_history(demo: Demo) -> None:
    """The history days through the core steps (ingest, dbt build, SPC history) without the scheduler."""
    from dataops.backfill import dbt_build_all, ingest_history
    from dataops.datasets import load_dataset
    from dataops.quality.gate import run_gate
    from dataops.simulator.sinks import make_s3_client
    from dataops.warehouse import WarehouseLocation

    location = WarehouseLocation.from_env()
    dates = [demo.day(i) for i in range(demo.history_days)]
    reports = ingest_history(make_s3_client(), settings.landing_bucket(), load_dataset(DATASET), dates, location)
    print(f"ingested {len(dates)} days: {sum(r.rows_loaded for r in reports)} rows loaded, "
          f"{sum(r.rows_quarantined for r in reports)} quarantined")
    dbt_build_all(settings.path("DATAOPS_DBT_PROJECT_DIR"), location)
    for d in dates:
        run_gate(location, DATASET, d, run_id="demo-history", run_gx=False)
    print("SPC metric history written")


def bootstrap_champion(demo: Demo) -> None:
    """Train the first model on the history (three weeks, a deliberately small start) and make it champion."""
    from dataops.cli import main as dataops

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = dataops(["train", "--dataset", DATASET, "--cutoff", demo.day(demo.history_days),
                        "--train-days", str(demo.train_days),
                        "--actor", "demo-bootstrap", "--one-line"])
    print(out.getvalue())
    if code != 0:
        raise SystemExit("training the first model failed (see the demo log)")
    import json

    version = json.loads(out.getvalue().strip().splitlines()[-1])["version"]
    if dataops(["registry", "promote", version, "--reason", "bootstrap: first model of the demo",
                "--actor", "demo-bootstrap"]) != 0:
        raise SystemExit("promoting the first model failed (see the demo log)")


def connect_api(demo: Demo, timeout: float = 180) -> AirflowApi:
    """Log in to the API server and wait until the DAG processor has parsed the pipelines."""
    from dataops.devstack.__main__ import admin_password

    api = AirflowApi(demo.stack.ui_url, "admin", admin_password(demo.stack))
    deadline = time.monotonic() + timeout
    while True:
        try:
            api.dag(VALUE_DAG)
            api.dag(INNOVATION_DAG)
            break
        except Exception as err:  # not parsed yet (404) or API not ready
            if time.monotonic() > deadline:
                raise SystemExit(f"the DAGs did not appear in Airflow within {timeout:.0f}s: {err}") from err
            time.sleep(2)
    errors = api.import_errors()
    if errors:
        raise SystemExit(f"DAG import errors: {errors}")
    return api


def runs_of(api: AirflowApi, dag_id: str, run_type: str | None = None) -> list[dict]:
    return [r for r in api.runs(dag_id) if run_type is None or r["run_type"] == run_type]


def wait_for_runs(api: AirflowApi, dag_id: str, count: int, *, run_type: str | None = None,
                  timeout: float = 1800, echo=print) -> list[dict]:
    """Wait until ``count`` runs (of ``run_type``) have finished, echoing one line per finished run."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while True:
        finished = [r for r in runs_of(api, dag_id, run_type) if r["state"] in ("success", "failed")]
        for r in finished:
            if r["dag_run_id"] not in seen:
                seen.add(r["dag_run_id"])
                echo(run_line(api, dag_id, r))
        if len(finished) >= count:
            return finished
        if time.monotonic() > deadline:
            raise SystemExit(f"{dag_id}: only {len(finished)} of {count} runs finished in {timeout:.0f}s")
        time.sleep(3)


def duration(run: dict) -> float:
    start, end = run.get("start_date"), run.get("end_date")
    if not (start and end):
        return 0.0
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def run_line(api: AirflowApi, dag_id: str, run: dict) -> str:
    failed = [t["task_id"] for t in api.task_instances(dag_id, run["dag_run_id"]) if t["state"] == "failed"]
    what = (run.get("logical_date") or run["dag_run_id"])[:10]
    extra = f" (failed: {', '.join(failed)})" if failed else ""
    return f"    {dag_id} {what} [{run['run_type']}]: {run['state']} in {duration(run):.0f}s{extra}"


def outcome_table(demo: Demo, api: AirflowApi) -> list[str]:
    """One line per Value Pipeline run: day, fault, outcome, model, run type and wall time."""
    lines = [f"{'day':10s}  {'fault':22s} {'outcome':38s} {'run':10s} time"]
    faults = {demo.day(o): f for o, f in demo.faults.items()}
    for run in sorted(runs_of(api, VALUE_DAG), key=lambda r: r.get("logical_date") or ""):
        d = (run.get("logical_date") or "")[:10]
        failed = {t["task_id"] for t in api.task_instances(VALUE_DAG, run["dag_run_id"]) if t["state"] == "failed"}
        if run["state"] == "success":
            scored = api.xcom(VALUE_DAG, run["dag_run_id"], "score.score_champion") or {}
            outcome = f"scored by champion {scored.get('model_version', '?')} ({scored.get('rows', '?')} rows)"
        elif failed and failed <= QUALITY_TASKS:
            outcome = "stopped by the quality gate"
        else:
            outcome = f"FAILED: {', '.join(sorted(failed)) or run['state']}"
        note = "  (waited for its batch)" if run["run_type"] == "scheduled" else ""
        lines.append(f"{d:10s}  {faults.get(d, '-'):22s} {outcome:38s} {run['run_type']:10s} {duration(run):.0f}s{note}")
    return lines


def run_demo(demo: Demo, start_airflow) -> int:
    """The steps of the module docstring; ``start_airflow()`` starts the Airflow components."""
    say = demo.say
    last = DAYS - 1
    with demo.step(f"Landing days {demo.day(0)}..{demo.day(last - 1)} ({demo.tx_per_day} transactions/day) in S3"):
        land(demo, range(0, last))
    with demo.step(f"Loading the first {HISTORY_DAYS} days as history (core steps, no scheduler)"):
        load_history(demo)
    with demo.step("Training the first champion on that history"):
        bootstrap_champion(demo)
    with demo.step("Starting Airflow: API server, scheduler, DAG processor, triggerer"):
        start_airflow()
        api = connect_api(demo)
    with demo.step(f"Backfill {demo.day(HISTORY_DAYS)}..{demo.day(last - 1)} through the scheduler, one day at a time"):
        api.backfill(VALUE_DAG, f"{demo.day(HISTORY_DAYS)}T00:00:00Z", f"{demo.day(last - 1)}T00:00:00Z")
        api.set_paused(VALUE_DAG, False)
        say(f"    (unpaused: the scheduled run for {demo.day(last)} waits for that late batch)")
        wait_for_runs(api, VALUE_DAG, last - HISTORY_DAYS, run_type="backfill", echo=say)
    with demo.step("Innovation Pipeline unpaused: the scheduler starts its weekly run"):
        api.set_paused(INNOVATION_DAG, False)
        wait_for_runs(api, INNOVATION_DAG, 1, echo=say)
    with demo.step(f"The late batch of {demo.day(last)} lands; the waiting run goes on"):
        land(demo, range(last, DAYS))
        wait_for_runs(api, VALUE_DAG, 1, run_type="scheduled", echo=say)
    for dag_id in (VALUE_DAG, INNOVATION_DAG):
        api.set_paused(dag_id, True)
    table = outcome_table(demo, api)
    say("\n" + "\n".join(table))
    open_actions = [r for r in runs_of(api, TRIAGE_DAG_ID) if r["state"] in ("queued", "running")]
    if open_actions:
        say(f"\n{len(open_actions)} stopped batch(es) wait for the analysts' triage: `make up`, then "
            f"{api.base_url}/required_actions")
    return 1 if any("FAILED" in line for line in table) else 0


def prepare_main(argv: list[str]) -> int:
    """``python -m dataops.devstack.demo prepare --spec JSON``: land, load the history and bootstrap the first
    champion (a process of its own, so no DuckDB connection outlives it); the end-to-end tests use it.

    The spec: ``{"state", "today", "days", "history_days", "faults", "tx_per_day", "train_days",
    "land": [first, stop], "history": true}`` (``history: false``: only land).
    """
    import json
    from pathlib import Path

    spec = json.loads(argv[argv.index("--spec") + 1])
    stack = StackSettings(state=Path(spec.pop("state")))
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    first, stop = spec.pop("land")
    history = spec.pop("history", True)
    spec["faults"] = {int(k): v for k, v in spec["faults"].items()}
    demo = Demo(stack, date.fromisoformat(spec.pop("today")), **spec)
    with demo.step(f"Landing days {first}..{stop - 1}"):
        land(demo, range(first, stop))
    if not history:
        return 0
    with demo.step(f"Loading {demo.history_days} days of history"):
        load_history(demo)
    with demo.step("Training the first champion"):
        bootstrap_champion(demo)
    return 0


def main() -> int:
    from dataops.devstack.__main__ import start_services

    stack = StackSettings.from_env()
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=stack.log_dir / "demo.log", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    demo = Demo(stack)
    print(f"make demo: {DAYS} simulated days; progress below, details in {demo.log_path}")
    code = run_demo(demo, lambda: start_services(stack, airflow=True))
    print(f"Component logs: {stack.log_dir}/*.log; task logs: {stack.airflow_home / 'logs'}")
    return code


if __name__ == "__main__":
    code = prepare_main(sys.argv) if sys.argv[1:2] == ["prepare"] else main()
    sys.stdout.flush()
    sys.stderr.flush()
    import os

    # Skip interpreter teardown: dbt-duckdb keeps DuckDB connections open in this process and DuckDB's
    # bindings then print pages of harmless "nanobind: leaked instance" noise at exit.
    os._exit(code)

"""The end-to-end harness: a stack in a temporary folder on free ports, driven only through Airflow's REST API
and the landing bucket (the simulator lands batches; nothing else touches the stack while it runs).

:class:`Scenario` holds the days and faults; :func:`run_scenario` plays it through the scheduler and records
what the tests assert (:class:`Observed`). Reading the warehouse back (row counts, checksums) is the only other
access, and only between runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from dataops.devstack.airflow_api import AirflowApi
from dataops.devstack.demo import INNOVATION_DAG, VALUE_DAG

REPO = Path(__file__).resolve().parents[2]
APPROVAL_TASK = "approve_promotion"
REPORTS = REPO / "test-artifacts" / "e2e"
#: fault days of the scenario (offsets after the history) -> simulator fault and the metric its finding names
#: scenario day -> (fault, what the gate's finding names: a metric, or for a rejected file the file's feed)
FAULT_DAYS = {
    1: ("volume_drop", "row_count"),
    2: ("schema_change:renamed", "transactions/batch_date="),
    3: ("amount_shift:factor=3", "amount"),
    4: ("new_category:channel,share=0.2", "channel"),
    5: ("schema_change:variant=renamed,dataset=chargebacks", "chargebacks/batch_date="),
}
#: each stack's faults: every fault goes through the real scheduler on one stack (the integration tests run
#: every fault on both engines); both stacks play the amount shift, whose day is killed from its gate on. The
#: embedded stack: the volume drop the analyst answers in the browser and the broken chargeback file; the
#: production path: a transactions file rejected into PostgreSQL and the new value answered through the API.
EMBEDDED_FAULT_DAYS = {1: FAULT_DAYS[1], 2: FAULT_DAYS[3], 3: FAULT_DAYS[5]}
PROD_FAULT_DAYS = {1: FAULT_DAYS[2], 2: FAULT_DAYS[3], 3: FAULT_DAYS[4]}
HISTORY_DAYS = 84  # the SPC baselines need 20+ points (3 per weekday); training 40 days of label maturity + 42
TX_PER_DAY = int(os.environ.get("DATAOPS_E2E_TX_PER_DAY", "400"))
SENSOR_TIMEOUT = 120
#: env of every stack process: short sensor timeouts (the late-batch test) and quick zombie detection
E2E_ENV = {"DATAOPS_DBT_EXECUTION_MODE": "watcher",
           "DATAOPS_SENSOR_TIMEOUT": str(SENSOR_TIMEOUT), "DATAOPS_SENSOR_POKE_INTERVAL": "10",
           "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "45",
           # the tasks of a crashed scheduler are reset 120 s after it restarts, not 300 s (Airflow's default: the
           # embedded restart case waited 5 minutes for it). Not sooner: a task queued again before the restarted
           # API server answers fails to start and spends its retries (30 s did, the API server took 57 s)
           "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "120",
           "DATAOPS_OPS_RECIPIENTS": "ops@localhost",
           # a human approves the scenario's promotion (the browser on the embedded stack, the API elsewhere)
           "DATAOPS_REQUIRE_APPROVAL": "true",
           # a task killed by the fault injectors is retried after 1 s, not the production minute
           "DATAOPS_RETRY_DELAY": "1",
           # the DAG files do not change during a scenario: parse them once, not every 30 s (two stacks share 2 cores)
           "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600"}
#: columns that record when or by which run a row was written (differ on a rerun by design; the alert log's
#: message id is unique per e-mail and its run key names the run try)
AUDIT_COLUMNS = {"run_id", "dag_run_id", "try_number", "scored_at", "loaded_at", "ingested_at", "computed_at",
                 "created_at", "updated_at", "evaluated_at", "recorded_at", "checked_at", "measured_at",
                 "sent_at", "logged_at", "message_id", "run_key"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Scenario:
    """History, then the backfilled days (a clean day, one day per fault, a clean day), then yesterday (late) for
    the scheduled run.

    :param fault_days: scenario day (offset after the history, from 1, consecutive) -> (simulator fault, what
        its finding names).
    """

    state: Path
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    fault_days: dict[int, tuple[str, str]] = field(default_factory=lambda: dict(FAULT_DAYS))

    @property
    def length(self) -> int:
        """The backfilled days: clean, the faults, clean."""
        return len(self.fault_days) + 2

    @property
    def days(self) -> int:
        return HISTORY_DAYS + self.length + 1

    @property
    def start(self) -> date:
        return self.today - timedelta(days=self.days)

    def day(self, offset: int) -> str:
        return (self.start + timedelta(days=offset)).isoformat()

    def faults(self) -> dict[int, str]:
        return {HISTORY_DAYS + k: f for k, (f, _) in self.fault_days.items()}

    def scenario_days(self) -> list[str]:
        return [self.day(HISTORY_DAYS + i) for i in range(self.length)]

    def rerun_days(self) -> list[str]:
        """The days cleared and rerun undisturbed after the backfill (their tables must come out identical):
        the first (a worker killed mid-ingest, the scheduler restarted mid-day) and the last clean day
        (every task killed once)."""
        days = self.scenario_days()
        return [days[0], days[-1]]

    def fault_of(self, ds: str) -> tuple[str, str] | None:
        i = (date.fromisoformat(ds) - self.start).days - HISTORY_DAYS
        return self.fault_days.get(i)

    @property
    def innovation_cutoff(self) -> str:
        """The Innovation Pipeline's knowledge date (``DATAOPS_INNOVATION_CUTOFF``), three days after the first
        champion's. Its scheduled run would otherwise train up to the latest Monday 04:00 UTC, 0 to 6 days after
        that cutoff depending on the weekday the tests run on: on a Monday morning the challenger's holdout week
        missed the average-precision floor (0.035 < 0.10) and nothing was promoted."""
        return self.day(HISTORY_DAYS + 3)

    def promotion_rule(self) -> str:
        """``DATAOPS_PROMOTION_RULE`` of the scenario: the challenger is promoted when its own holdout ROC AUC
        meets the 0.70 floor; the paired bootstrap is computed and reported but cannot block (``min_delta: -1``).
        A day here has 400 transactions and a handful of frauds, and the world moves with the calendar: a 7-day
        holdout's AP was 0.025 on one Monday (below the default 0.10 floor), and on 2026-12-08 the challenger's
        AP improvement had the CI [-0.229, +0.032] on 15 positives (rejected, while its ROC AUC was 0.90). The
        tests are about the pipeline (approval, kills, the alias move, the next run scoring with the new
        version); whether a challenger wins is the evaluation's, tested on its own and on the simulator's
        concept drift (``tests/integration/test_innovation_pipeline.py``, ``tests/unit/evaluation``)."""
        path = self.state / "promotion_rule.yaml"
        path.write_text("floors: {roc_auc: 0.70}\nmin_delta: -1.0\n")
        return str(path)

    @property
    def late_day(self) -> str:
        return self.day(self.days - 1)

    def prepare(self, env: dict[str, str], *, land: tuple[int, int], history: bool) -> None:
        """Land (and load the history, bootstrap the champion) in a process of its own."""
        spec = {"state": str(self.state), "today": self.today.isoformat(), "days": self.days,
                "history_days": HISTORY_DAYS, "faults": self.faults(), "tx_per_day": TX_PER_DAY,
                "train_days": 21, "land": list(land), "history": history}
        subprocess.run([sys.executable, "-m", "dataops.devstack.demo", "prepare", "--spec", json.dumps(spec)],
                       env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)


@dataclass
class Observed:
    """What the scenario run saw, for the tests to assert."""

    backfill: list[dict] = field(default_factory=list)
    sensor_states: list[str] = field(default_factory=list)
    late_run: dict | None = None
    late_rerun: dict | None = None
    innovation: list[dict] = field(default_factory=list)
    before_rerun: dict[str, tuple[int, str]] = field(default_factory=dict)
    after_rerun: dict[str, tuple[int, str]] = field(default_factory=dict)
    rerun_days: list[str] = field(default_factory=list)
    disturbances: dict[str, Any] = field(default_factory=dict)
    fault_rows: list[Any] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class StateWatcher(threading.Thread):
    """Polls the scheduled run's task instance every second (to see ``up_for_reschedule`` between pokes) until
    it has finished."""

    def __init__(self, api: AirflowApi, dag_id: str, task_id: str) -> None:
        super().__init__(daemon=True)
        self.api, self.dag_id, self.task_id = dataclasses.replace(api), dag_id, task_id  # a client of its own
        self.states: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        run_id = None
        while not self.stop.is_set():
            try:
                if run_id is None:
                    run_id = next((r["dag_run_id"] for r in self.api.runs(self.dag_id)
                                   if r["run_type"] == "scheduled"), None)
                else:
                    state = self.api.request("GET", f"/api/v2/dags/{self.dag_id}/dagRuns/{run_id}/taskInstances/"
                                             f"{self.task_id}")["state"]
                    if not self.states or self.states[-1] != state:
                        self.states.append(state)
                    if state in ("success", "failed", "upstream_failed", "skipped"):
                        return
            except Exception:  # noqa: S110 (the API is busy; the next poll sees the state)
                pass
            self.stop.wait(1.0)


def wait_finished(api: AirflowApi, dag_id: str, count: int, run_type: str | None, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        runs = [r for r in api.runs(dag_id) if run_type is None or r["run_type"] == run_type]
        done = [r for r in runs if r["state"] in ("success", "failed")]
        if len(done) >= count:
            return done
        if time.monotonic() > deadline:
            states = [(r["dag_run_id"], r["state"]) for r in runs]
            raise TimeoutError(f"{dag_id}: {len(done)} of {count} {run_type} runs finished in {timeout:.0f}s: {states}")
        time.sleep(3)


def approve_through_the_api(api: AirflowApi, run: dict) -> None:
    """Approve the Innovation Pipeline run's promotion as the API client's user."""
    api.answer(INNOVATION_DAG, run["dag_run_id"], APPROVAL_TASK, ["Approve"])


def _innovation_run(api: AirflowApi, approve: Callable[[AirflowApi, dict], None]) -> None:
    """Wait for the scheduled Innovation Pipeline run; answer its approval when it asks for one."""
    deadline = time.monotonic() + 300
    while not (runs := api.runs(INNOVATION_DAG)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{INNOVATION_DAG}: no run 300 s after it was unpaused")
        time.sleep(3)
    run = runs[0]
    state = api.wait_for_task(INNOVATION_DAG, run["dag_run_id"], APPROVAL_TASK,
                              {"awaiting_input", "skipped", "upstream_failed", "failed"}, timeout=1200)
    if state == "awaiting_input":
        approve(api, run)


@contextlib.contextmanager
def _naming_disturbances(seen: Observed) -> Iterator[None]:
    """A scenario that fails says what its disturbances ran into (a stack that did not come back after a
    restart shows in the scenario only as an API that refuses connections)."""
    try:
        yield
    except Exception as exc:
        for name, thread in seen.disturbances.items():
            if getattr(thread, "error", None):
                exc.add_note(f"disturbance {name}: {thread.error}")
        raise


def run_scenario(api: AirflowApi, scenario: Scenario, env: dict[str, str], snapshot,
                 disturbances: dict[str, Any] | None = None,
                 approve: Callable[[AirflowApi, dict], None] = approve_through_the_api) -> Observed:
    """Backfill the scenario days, let the scheduled run time out on the late batch, clear the disturbed clean
    days and rerun them undisturbed, run the Innovation Pipeline, land the late batch and rerun the scheduled day.

    :param disturbances: threads started with the backfill and stopped after the Innovation Pipeline's run
        (a worker killed in the middle of an ingest, :mod:`tests.e2e.chaos`; every task killed once,
        :mod:`tests.e2e.kill_every_task`; the scheduler restarted, :mod:`tests.e2e.restart`); kept in
        :attr:`Observed.disturbances`.
    :param approve: answers the promotion's Required Action (``DATAOPS_REQUIRE_APPROVAL`` is on in
        :data:`E2E_ENV`): through the REST API by default, in the browser on the embedded stack.
    """
    seen = Observed(disturbances=disturbances or {})
    with _naming_disturbances(seen):
        t0 = time.monotonic()
        days = scenario.scenario_days()
        watcher = StateWatcher(api, VALUE_DAG, "ingest.wait_for_transactions")
        watcher.start()
        for thread in seen.disturbances.values():
            thread.start()
        api.backfill(VALUE_DAG, f"{days[0]}T00:00:00Z", f"{days[-1]}T00:00:00Z")
        api.set_paused(VALUE_DAG, False)  # the scheduled run of yesterday waits for its (late) batch
        seen.backfill = wait_finished(api, VALUE_DAG, len(days), "backfill", timeout=2400)
        seen.late_run = wait_finished(api, VALUE_DAG, 1, "scheduled", timeout=SENSOR_TIMEOUT + 600)[0]
        watcher.stop.set()
        seen.sensor_states = watcher.states
        seen.timings["backfill"] = time.monotonic() - t0

        t = time.monotonic()
        rerun = [r for r in seen.backfill if r["logical_date"][:10] in scenario.rerun_days()]
        seen.rerun_days = sorted(r["logical_date"][:10] for r in rerun)
        seen.before_rerun = snapshot()
        for run in sorted(rerun, key=lambda r: r["logical_date"]):  # one at a time, as an operator would
            api.clear_run(VALUE_DAG, run["dag_run_id"])
            time.sleep(5)
            api.wait_for_run(VALUE_DAG, run["dag_run_id"], timeout=900)
        seen.after_rerun = snapshot()
        seen.timings["rerun"] = time.monotonic() - t

        t = time.monotonic()
        api.set_paused(INNOVATION_DAG, False)
        _innovation_run(api, approve)
        seen.innovation = wait_finished(api, INNOVATION_DAG, 1, None, timeout=1200)
        api.set_paused(INNOVATION_DAG, True)
        for thread in seen.disturbances.values():
            thread.stop.set()
        seen.timings["innovation"] = time.monotonic() - t

        t = time.monotonic()
        scenario.prepare(env, land=(scenario.days - 1, scenario.days), history=False)
        api.clear_run(VALUE_DAG, seen.late_run["dag_run_id"])
        time.sleep(5)
        seen.late_rerun = api.wait_for_run(VALUE_DAG, seen.late_run["dag_run_id"], timeout=900)
        seen.timings["late_rerun"] = time.monotonic() - t
    return seen


# -- reading the warehouse back ------------------------------------------------------------------------------


def _run_measures() -> dict[str, str]:
    """Rows that measure the run that wrote them, not the data (differ on a rerun by design): the pipeline's
    own speed, the ``stage: pipeline`` metrics of the metrics file."""
    from dataops.quality.config import load_quality_config

    names = ", ".join(f"'{m.name}'" for m in load_quality_config("transactions").stage("pipeline"))
    return {"quality.metric_history": f"metric NOT IN ({names})"} if names else {}


RUN_MEASURES = _run_measures()


def table_checksums(rows_of) -> dict[str, tuple[int, str]]:
    """``schema.table -> (rows, sha256 of the sorted rows)`` over every warehouse table, audit columns and
    :data:`RUN_MEASURES` left out.

    :param rows_of: ``(sql) -> list of tuples`` on the warehouse (read only).
    """
    tables = rows_of("SELECT table_schema, table_name, column_name FROM information_schema.columns "
                     "WHERE table_schema NOT IN ('information_schema', 'pg_catalog', 'registry', 'main') "
                     "ORDER BY table_schema, table_name, ordinal_position")
    columns: dict[str, list[str]] = {}
    for schema, table, column in tables:
        if column not in AUDIT_COLUMNS:
            columns.setdefault(f"{schema}.{table}", []).append(column)
    out = {}
    for name, cols in columns.items():
        where = f" WHERE {RUN_MEASURES[name]}" if name in RUN_MEASURES else ""
        rows = sorted(repr(r) for r in rows_of(f"SELECT {', '.join(_q(c) for c in cols)} FROM {name}{where}"))
        out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


def _q(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def duckdb_reader(path: Path):
    def rows_of(sql: str) -> list[tuple]:
        import duckdb

        for _ in range(30):  # a task may hold the file for a moment
            try:
                conn = duckdb.connect(str(path), read_only=True)
                break
            except duckdb.IOException:
                time.sleep(1)
        else:
            raise RuntimeError(f"{path} stayed locked")
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    return rows_of


def postgres_reader(url: str):
    def rows_of(sql: str) -> list[tuple]:
        import psycopg2

        conn = psycopg2.connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        finally:
            conn.close()

    return rows_of


def sqlite_registry_reader(path: Path):
    """Read the registry of the embedded stack (SQLite, :mod:`dataops.registry.tables`): SQLite has no schemas,
    so its tables carry the schema as a prefix; SQL written for the other stacks (``registry.decisions``) is
    read from ``registry_decisions``."""

    def rows_of(sql: str) -> list[tuple]:
        import sqlite3

        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql.replace("registry.", "registry_")).fetchall()
        finally:
            conn.close()

    return rows_of


def full_log(api: AirflowApi, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
    """Every event of a task log with all its fields (the exception message of a failed task is a field of
    the "Task failed with exception" event, which :meth:`AirflowApi.log` leaves out)."""
    answer = api.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/"
                         f"{try_number}", params={"full_content": True})
    if isinstance(answer, str):
        return answer
    content = answer.get("content", "")
    if isinstance(content, str):
        return content
    return "\n".join(e if isinstance(e, str) else json.dumps(e).encode().decode("unicode_escape") for e in content)


def mails(mail_dir: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(mail_dir.glob("*.eml"))]


def scenario_table(api: AirflowApi, scenario: Scenario, seen: Observed) -> str:
    """One line per scenario day and for the late day: fault, run state, gate and champion scoring states."""
    lines = [f"{'day':<10}  {'fault':<50}  {'run':<8}  {'gate':<8}  scoring"]
    runs = sorted(seen.backfill, key=lambda r: r["logical_date"])
    for label, run in [("", r) for r in runs] + [(" (late, then landed)", seen.late_rerun or {})]:
        if not run:
            continue
        ds = run["logical_date"][:10]
        fault = scenario.fault_of(ds)
        states = {t["task_id"]: t["state"] for t in api.task_instances(VALUE_DAG, run["dag_run_id"])}
        name = (fault[0] if fault else "clean") + label
        lines.append(f"{ds}  {name:<50}  {run['state']:<8}  {states.get('quality.spc_gate')!s:<8}  "
                     f"{states.get('score.score_champion')}")
    return "\n".join(lines)


def report(name: str, seen: Observed, table: str) -> None:
    """Write a stack's timings and scenario table to ``test-artifacts/e2e/<name>.txt`` (printed at the end)."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    timings = ", ".join(f"{k} {v:.0f}" for k, v in seen.timings.items())
    (REPORTS / f"{name}.txt").write_text(f"timings (s): {timings}\n{table}\n")
    faults = {name: _record(thread) for name, thread in seen.disturbances.items()}
    (REPORTS / f"{name}-faults.json").write_text(json.dumps(faults, indent=1, default=str))


def _record(thread: Any) -> dict:
    """What a disturbance did (its kills, restart or worker kill, and its error), as plain data."""
    out: dict[str, Any] = {"error": thread.error}
    if hasattr(thread, "slowest_look"):
        out["slowest_look_seconds"] = round(thread.slowest_look, 3)
        out["plans"] = thread.plans_seen()
    for attr in ("kills", "kill", "restart"):
        value = getattr(thread, attr, None)
        if value is not None:
            out[attr] = [vars(v) for v in value] if isinstance(value, list) else vars(value)
    return out

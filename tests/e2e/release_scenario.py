"""Release strategies through the real scheduler, on the stack a scenario left behind.

The history's last days are replayed through the Value Pipeline, one run after the other (a backfill with one
active run), while the releases an operator starts (``python -m dataops registry release``, pinned to the first
replayed day) go their way: the ``score`` group's plan, both slots scored, the ``release_step`` and its alias
moves, run by the scheduler and its executor. :func:`replay` returns what each day's run did.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

from dataops.devstack.demo import VALUE_DAG
from tests.e2e.harness import HISTORY_DAYS, REPO, REPORTS

#: replayed history days: a canary 5 % -> 25 % -> 100 % (one day each), a defective canary, a blue/green switch
RELEASE_DAYS = 5
CANARY = "0.05:1,0.25:1,1:1"
REPORT = REPORTS / "release-strategies.txt"


@dataclass
class Day:
    """One replayed day: its run, the plan it was scored with, the step's outcome and who decided what."""

    ds: str
    run: dict
    plan: dict
    outcome: dict
    rows: int
    decided: dict[tuple[str, str], int]  # (version, role) -> deciding rows
    deciding: dict[int, int]  # deciding rows per transaction -> transactions


def release_days(scenario: Any, rows_of: Any) -> list[str]:
    """The replayed days: the latest :data:`RELEASE_DAYS` consecutive history days the batch gate passed when
    the history was loaded (its verdicts are recorded with ``run_id`` ``demo-history``; a replay judges a day
    against the same baseline, so it stops the same days; the simulator's clean days have a false alarm now and
    then, and a day the gate stops is no day of a release)."""
    stopped = {str(d) for (d,) in rows_of(
        "SELECT DISTINCT batch_date FROM quality.metric_history WHERE dataset = 'transactions' "
        "AND run_id = 'demo-history' AND verdict = 'critical'")}
    for last in range(HISTORY_DAYS - 1, RELEASE_DAYS + 20, -1):  # 20 days of baseline before the first
        days = [scenario.day(last - RELEASE_DAYS + 1 + i) for i in range(RELEASE_DAYS)]
        if not stopped & set(days):
            return days
    raise AssertionError(f"no {RELEASE_DAYS} consecutive history days without a critical finding: {sorted(stopped)}")


def dataops(env: dict[str, str], *argv: str) -> Any:
    """``python -m dataops ...`` with the stack's environment, as an operator runs it; its JSON answer."""
    done = subprocess.run([sys.executable, "-m", "dataops", *argv], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"dataops {' '.join(argv)}: {done.stderr[-2000:]}"
    return json.loads(done.stdout)


@contextlib.contextmanager
def stack_registry(env: dict[str, str]) -> Iterator[Any]:
    """The stack's model registry in this process (its S3 and registry database from ``env``)."""
    with mock.patch.dict(os.environ, env):
        from dataops import settings
        from dataops.registry.cli import registry_from_args

        yield registry_from_args(argparse.Namespace(model=None, registry_url=None, bucket=None,
                                                    schema=settings.get("DATAOPS_REGISTRY_SCHEMA")))


def release(env: dict[str, str], version: str, strategy: str, starts: str, reason: str, *more: str) -> dict:
    """``python -m dataops registry release`` as an operator, its first batch ``starts``."""
    return dataops(env, "registry", "release", version, "--strategy", strategy, "--starts", starts,
                   "--reason", reason, "--actor", "e2e-operator", *more)


def replay(api: Any, rows_of: Any, days: list[str], timeout: float = 1800) -> list[Day]:
    """Backfill ``days`` (one run at a time, oldest first) and wait for every run to finish."""
    _backfill(api, days)
    deadline = time.monotonic() + timeout
    while True:
        runs = {r["logical_date"][:10]: r for r in api.runs(VALUE_DAG) if r["run_type"] == "backfill"
                and r["logical_date"][:10] in days and r["state"] in ("success", "failed")}
        if len(runs) == len(days):
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{VALUE_DAG}: {sorted(runs)} of {days} finished in {timeout:.0f} s")
        time.sleep(3)
    return [_day(api, rows_of, runs[ds]) for ds in days]


def _backfill(api: Any, days: list[str], timeout: float = 180) -> None:
    """Create the backfill; the scheduler marks the previous one complete every 30 s, and refuses a new one of
    the same DAG until then (409 "Another backfill is running")."""
    from dataops.devstack.airflow_api import AirflowApiError

    deadline = time.monotonic() + timeout
    while True:
        try:
            api.backfill(VALUE_DAG, f"{days[0]}T00:00:00Z", f"{days[-1]}T00:00:00Z", max_active_runs=1)
            return
        except AirflowApiError as err:
            if " 409 " not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(5)


def _day(api: Any, rows_of: Any, run: dict) -> Day:
    ds, run_id = run["logical_date"][:10], run["dag_run_id"]
    where = f"dataset = 'transactions' AND batch_date = DATE '{ds}'"
    decided = {(str(v), str(r)): int(n) for v, r, n in rows_of(
        f"SELECT model_version, role, count(*) FROM marts.predictions WHERE {where} AND decides GROUP BY 1, 2")}
    deciding = {int(k): int(n) for k, n in rows_of(
        f"SELECT deciding, count(*) FROM (SELECT id, count(*) FILTER (WHERE decides) AS deciding "
        f"FROM marts.predictions WHERE {where} GROUP BY id) t GROUP BY deciding")}
    rows = rows_of(f"SELECT count(*) FROM marts.fct_transaction_features WHERE batch_date = DATE '{ds}'")[0][0]
    return Day(ds, run, api.xcom(VALUE_DAG, run_id, "score.release_plan") or {},
               api.xcom(VALUE_DAG, run_id, "score.release_step") or {}, int(rows), decided, deciding)


def record(lines: list[str], title: str, days: list[Day]) -> list[str]:
    """Add one line per replayed day to ``lines`` and write them all to :data:`REPORT` (kept if a later
    assertion fails)."""
    lines += report_lines(title, days)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
    return lines


def report_lines(title: str, days: list[Day]) -> list[str]:
    """One line per replayed day: run state, the step's action, who decided how many transactions, why."""
    lines = [f"## {title}"]
    for d in days:
        who = ", ".join(f"{v} as {r}: {n}" for (v, r), n in sorted(d.decided.items()))
        lines.append(f"{d.ds}  run {d.run['state']:<7}  {d.outcome.get('action', '?'):<8}  "
                     f"{d.rows} transactions decided by {who}  | {d.outcome.get('reason', '')}")
    return lines

"""Process faults under the scheduler, asserted on both stacks (each module imports these next to
:mod:`tests.e2e.checks`): every task of a clean Value Pipeline day, the gate and alert tasks of a fault day and
every task of the Innovation Pipeline's run SIGKILLed once at a random point (:mod:`tests.e2e.kill_every_task`),
and the scheduler restarted in the middle of a day (:mod:`tests.e2e.restart`). That the disturbed days' tables equal an undisturbed run is
``test_clearing_a_finished_day_leaves_every_table_identical`` (each disturbed clean day is cleared and rerun
undisturbed after the backfill)."""

from __future__ import annotations

from collections import Counter
from email import message_from_string

import pytest

from dataops.devstack.demo import INNOVATION_DAG, VALUE_DAG
from tests.e2e.checks import Stack
from tests.e2e.harness import APPROVAL_TASK, Scenario, mails

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600)]

#: the fault day whose tasks are killed from its gate on (the gate, the alert that must still go out once, the
#: drift signal); its ingest and transform are the tasks of the last clean day, whose every task is killed
KILLED_FAULT, FROM_THE_GATE = "amount_shift", ("quality.", "signal_score_drift")


def kill_targets(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """Scenario day -> the task id prefixes killed on it (empty: every task)."""
    days = scenario.scenario_days()
    fault_day = next(d for d in days if (scenario.fault_of(d) or ("",))[0].startswith(KILLED_FAULT))
    return {fault_day: FROM_THE_GATE, days[-1]: ()}


#: operators that run no process: the scheduler marks them done itself (cosmos' ``dbt_producer_watcher_done``)
NO_PROCESS = {"EmptyOperator"}


def _first_tries(stack: Stack, dag_id: str, run_id: str) -> dict[str, list[dict]]:
    """task_id -> its tries (oldest first), for the tasks whose first try ran a process (had a start)."""
    out = {}
    for ti in stack.api.task_instances(dag_id, run_id):
        if ti.get("operator") in NO_PROCESS:
            continue
        tries = sorted(stack.api.tries(dag_id, run_id, ti["task_id"]), key=lambda t: t["try_number"])
        if tries and tries[0]["try_number"] == 1 and tries[0].get("start_date"):
            out[ti["task_id"]] = tries
    return out


def _assert_every_task_killed_then_retried(stack: Stack, dag_id: str, run: dict, spare: set[str],
                                           only: tuple[str, ...] = ()) -> int:
    kills = stack.observed.disturbances["kill_every_task"]
    killed = kills.killed(run["dag_run_id"])
    tries = _first_tries(stack, dag_id, run["dag_run_id"])
    escaped = sorted(t for t in set(tries) - killed - spare if not only or t.startswith(only))
    assert not escaped, (f"{dag_id} {run['logical_date'][:10]}: tasks that finished before their kill point: "
                         f"{[kills.explain(run['dag_run_id'], t) for t in escaped]} (the slowest look at the "
                         f"runners took {kills.slowest_look:.2f} s)")
    for task_id in killed:
        first, *later = tries[task_id]
        assert first["state"] != "success", (task_id, first)
        assert later and later[0]["try_number"] == 2, (task_id, tries[task_id])  # Airflow's retry
    return len(killed)


def test_every_task_of_a_value_day_killed_at_a_random_point_is_retried(e2e: Stack):
    kills = e2e.observed.disturbances["kill_every_task"]
    assert kills.error is None, kills.error
    for day, only in kill_targets(e2e.scenario).items():
        run = next(r for r in e2e.observed.backfill if r["logical_date"][:10] == day)
        n = _assert_every_task_killed_then_retried(e2e, VALUE_DAG, run, set(), only)
        # the clean day: ingest, transform, gate, scoring, publish; the fault day: gate, alert, drift signal
        assert n >= (3 if only else 25), (day, n)
        # the retried day ends as an undisturbed one: a clean day scores, a fault day stops at the gate
        # (test_clean_days_score_every_transaction_once_and_publish, test_fault_days_stop_at_the_gate_with_the_finding)
        assert run["state"] == ("failed" if e2e.scenario.fault_of(day) else "success"), (day, run["state"])


def test_every_task_of_the_innovation_run_killed_once_records_one_version_one_decision_one_move(e2e: Stack):
    run = e2e.observed.innovation[0]
    assert run["state"] == "success", run
    n = _assert_every_task_killed_then_retried(e2e, INNOVATION_DAG, run, {APPROVAL_TASK})
    assert n >= 4, n  # plan, train, evaluate, promote (the branch task too)
    key = f"{INNOVATION_DAG}/{run['dag_run_id']}"
    versions = e2e.registry_of(f"SELECT version, status FROM registry.model_versions WHERE run_key = '{key}'")
    assert len(versions) == 1 and versions[0][1] == "ready", versions
    decisions = e2e.registry_of(f"SELECT promote FROM registry.decisions WHERE run_key = '{key}'")
    assert decisions == [(True,)], decisions
    moves = e2e.registry_of("SELECT action, from_version FROM registry.alias_history "
                        f"WHERE alias = 'champion' AND to_version = '{versions[0][0]}'")
    assert len(moves) == 1 and moves[0][0] == "promote", moves


def test_a_scheduler_restarted_mid_day_finishes_the_day(e2e: Stack):
    restart = e2e.observed.disturbances["scheduler_restart"]
    assert restart.error is None and restart.restart is not None, restart.error or "the day was never seen running"
    assert restart.restart.running, restart.restart  # tasks were running when it died
    run = next(r for r in e2e.observed.backfill if r["logical_date"][:10] == restart.restart.day)
    assert run["state"] == "success", run
    # its tables equal an undisturbed run's: the day is cleared and rerun (test_clearing_a_finished_day...)
    assert restart.restart.day in e2e.observed.rerun_days


def test_no_alert_email_was_sent_twice(e2e: Stack):
    """Every alert of the scenario, the ones whose gate was killed and retried included, went out once."""
    keys = Counter()
    for text in mails(e2e.mail_dir):
        key = message_from_string(text).get("X-DataOps-Run-Key")
        if key:
            keys[key] += 1
    twice = {k: n for k, n in keys.items() if n > 1}
    assert keys and not twice, twice
    for day in kill_targets(e2e.scenario):
        if e2e.scenario.fault_of(day):
            run = next(r for r in e2e.observed.backfill if r["logical_date"][:10] == day)
            assert sum(n for k, n in keys.items() if run["dag_run_id"] in k) == 1, (day, dict(keys))


def test_the_disturbed_days_lost_no_row_and_doubled_none(e2e: Stack):
    """The fault rows ``make reliability`` prints (:mod:`tests.e2e.fault_table`): every case ended identical to an
    undisturbed run; every landed row of a disturbed day loaded or quarantined, and scored, exactly once."""
    rows = e2e.observed.fault_rows
    assert {r.cls.split(" (")[0] for r in rows} >= {"every task SIGKILLed once at a random point",
                                                      "scheduler restarted mid-day"}, rows
    for row in rows:
        assert row.cases > 0 and row.rows > 0, row
        assert (row.identical, row.other, row.lost, row.duplicated) == (row.cases, 0, 0, 0), row

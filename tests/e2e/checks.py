"""The scenario's assertions, shared by the embedded stack and the production path (each module imports them
and provides a module-scoped ``e2e`` fixture: a :class:`Stack`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dataops.devstack.airflow_api import AirflowApi
from dataops.devstack.demo import INNOVATION_DAG, VALUE_DAG
from tests.e2e.harness import SENSOR_TIMEOUT, Observed, Scenario, full_log, mails, table_checksums

#: the module fixture plays the whole scenario inside the first test's time budget
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600)]

GATE = "quality.spc_gate"
SCORING = ("score.release_plan", "score.score_champion", "score.score_challenger", "score.release_step",
           "score.score_metrics")
PUBLISH = ("publish.publish_marts", "publish.publish_predictions")
#: a finding line of the gate's failure message: ``transactions.<metric> <date> = <value> ... (<rule>)``
FINDING = re.compile(r"transactions\.(?P<metric>\S+) (?P<ds>\d{4}-\d{2}-\d{2}) = (?P<value>\S+)"
                     r"(?: (?:outside|within) \[(?P<lcl>[^,]+), (?P<ucl>[^\]]+)\])? \((?P<rule>[^)]+)\)")


@dataclass
class Stack:
    api: AirflowApi
    scenario: Scenario
    observed: Observed
    mail_dir: Path
    rows_of: Any
    state: Path
    registry_of: Any  # reads the registry's tables (``registry.model_versions`` ...), wherever the stack keeps them
    env: dict[str, str] | None = None  # the stack's environment (for ``python -m dataops`` as an operator runs it)


def _states(stack: Stack, run: dict) -> dict[str, str]:
    return {t["task_id"]: t["state"] for t in stack.api.task_instances(VALUE_DAG, run["dag_run_id"])}


def _day_runs(stack: Stack, faulty: bool) -> list[dict]:
    runs = stack.observed.backfill
    return [r for r in runs if (stack.scenario.fault_of(r["logical_date"][:10]) is not None) == faulty]


def test_every_scenario_day_ran_through_the_scheduler(e2e: Stack):
    days = sorted(r["logical_date"][:10] for r in e2e.observed.backfill)
    assert days == e2e.scenario.scenario_days()


def test_fault_days_stop_at_the_gate_with_the_finding(e2e: Stack):
    for run in _day_runs(e2e, faulty=True):
        ds = run["logical_date"][:10]
        fault, metric = e2e.scenario.fault_of(ds)
        states = _states(e2e, run)
        assert run["state"] == "failed", (ds, fault)
        assert states[GATE] == "failed", (ds, fault, states)
        assert all(states.get(t) not in ("success", "running") for t in SCORING), (ds, fault, states)
        last = max(t["try_number"] for t in e2e.api.tries(VALUE_DAG, run["dag_run_id"], GATE))  # a killed try retried
        log = full_log(e2e.api, VALUE_DAG, run["dag_run_id"], GATE, last)
        assert f"critical finding(s) on transactions {ds}" in log, (ds, fault, log[-2000:])
        findings = [m for m in FINDING.finditer(log) if m["ds"] == ds]
        assert findings, (ds, fault, log[-2000:])
        if fault.startswith("schema_change"):  # the file contract rejected the feed's file, named in the rule
            named = [m for m in findings if m["metric"] == "contract.rejected_files" and metric in m["rule"]]
        else:
            named = [m for m in findings if metric in m["metric"]]
        assert named, (ds, fault, [m.group(0) for m in findings])
        if fault.startswith(("volume_drop", "amount_shift", "new_category")):  # an SPC limit was crossed
            crossed = [m for m in findings if metric in m["metric"] and m["lcl"] is not None]
            assert crossed and crossed[0]["rule"], (ds, fault, [m.group(0) for m in findings])


def test_fault_days_email_the_analysts(e2e: Stack):
    inbox = mails(e2e.mail_dir)
    for run in _day_runs(e2e, faulty=True):
        ds = run["logical_date"][:10]
        assert any("fraud-analysts@example.com" in m and ds in m for m in inbox), ds


def test_clean_days_score_every_transaction_once_and_publish(e2e: Stack):
    clean = _day_runs(e2e, faulty=False)
    assert len(clean) >= 2
    events = e2e.api.asset_events()
    for run in clean:
        ds = run["logical_date"][:10]
        states = _states(e2e, run)
        assert run["state"] == "success", (ds, states)
        assert all(states[t] == "success" for t in PUBLISH), (ds, states)
        scored, distinct = e2e.rows_of(
            f"SELECT count(*), count(DISTINCT id) FROM marts.predictions WHERE batch_date = '{ds}' "
            "AND role = 'champion'")[0]
        loaded = e2e.rows_of(f"SELECT count(*) FROM marts.fct_transaction_features WHERE batch_date = '{ds}'")[0][0]
        assert scored == distinct == loaded > 0, (ds, scored, distinct, loaded)
        deciding = e2e.rows_of(  # one deciding row per transaction, by the plan's champion (no release here)
            f"SELECT count(*), count(DISTINCT id), count(DISTINCT model_version) FROM marts.predictions "
            f"WHERE batch_date = '{ds}' AND decides")[0]
        assert tuple(deciding) == (loaded, loaded, 1), (ds, deciding, loaded)
        assert states["score.release_step"] == "success" and states["score.score_challenger"] == "skipped", states
        mine = [e for e in events if e.get("source_run_id") == run["dag_run_id"]]
        uris = {e.get("uri") or e.get("asset", {}).get("uri") or e.get("name") for e in mine}
        assert len(mine) >= 2, (ds, uris)


def test_scored_days_record_the_model_monitoring_metrics(e2e: Stack):
    """``score.score_metrics`` measured the model after the champion scored: the drift of every feature against
    the scoring version's training reference, numerical stability (nothing invalid on a clean day) and the
    champion's age from that version's training cutoff, all in the gate's history."""
    from dataops.datasets import load_dataset

    features = load_dataset("transactions").feature_names
    for run in _day_runs(e2e, faulty=False):
        ds = run["logical_date"][:10]
        version, cutoff = e2e.rows_of(
            "SELECT p.model_version, CAST(r.training_cutoff AS VARCHAR) FROM marts.predictions p "
            "JOIN monitoring.model_reference r ON r.dataset = p.dataset AND r.model_version = p.model_version "
            f"WHERE p.batch_date = '{ds}' AND p.role = 'champion' GROUP BY 1, 2")[0]
        points = {m: (v, verdict) for m, v, verdict in e2e.rows_of(
            "SELECT metric, value, verdict FROM quality.metric_history WHERE dataset = 'transactions' "
            f"AND batch_date = '{ds}' AND (metric LIKE 'feature_psi.%' OR metric IN "
            "('invalid_features', 'invalid_scores', 'model_age_days'))")}
        assert {m for m in points if m.startswith("feature_psi.")} == {f"feature_psi.{f}" for f in features}, ds
        assert all(v is not None and v >= 0 for m, (v, _) in points.items() if m.startswith("feature_psi.")), ds
        assert points["invalid_features"] == (0, "in_control") and points["invalid_scores"] == (0, "in_control")
        age = (datetime.fromisoformat(ds) - datetime.fromisoformat(cutoff[:10])).days
        assert points["model_age_days"] == (age, "in_control"), (ds, version, cutoff, points["model_age_days"])


def test_scored_days_record_the_pipeline_s_own_speed_from_airflow_s_records(e2e: Stack):
    """``pipeline_speed`` recorded each watched task's seconds of work as the scheduler's task-instance records
    have them (the REST API's duration of the same task instance), and rows per second of the scoring."""
    from dataops.quality.config import load_quality_config

    watched = {m.column for m in load_quality_config("transactions").stage("pipeline")}
    for run in _day_runs(e2e, faulty=False):
        ds = run["logical_date"][:10]
        airflow = {t["task_id"]: t["duration"] for t in e2e.api.task_instances(VALUE_DAG, run["dag_run_id"])
                   if t["task_id"] in watched and t["state"] == "success"}
        recorded = dict(e2e.rows_of("SELECT metric, value FROM quality.metric_history WHERE dataset = "
                                    f"'transactions' AND batch_date = '{ds}' AND metric LIKE 'task_seconds.%'"))
        assert airflow and {f"task_seconds.{t}" for t in airflow} <= set(recorded), (ds, airflow, recorded)
        for task_id, seconds in airflow.items():
            assert recorded[f"task_seconds.{task_id}"] == pytest.approx(seconds, abs=0.01), (ds, task_id)
        rate = e2e.rows_of("SELECT value FROM quality.metric_history WHERE dataset = 'transactions' AND "
                           f"batch_date = '{ds}' AND metric = 'task_rows_per_second.score.score_champion'")
        assert rate and rate[0][0] > 0, (ds, rate)


def test_the_sensor_waits_in_reschedule_mode_and_a_late_batch_times_out(e2e: Stack):
    assert "up_for_reschedule" in e2e.observed.sensor_states, e2e.observed.sensor_states
    late = e2e.observed.late_run
    assert late["logical_date"][:10] == e2e.scenario.late_day and late["state"] == "failed"
    sensor = "ingest.wait_for_transactions"
    # the try that timed out is the last that failed (an earlier one may have died with a Celery worker killed
    # mid-poke, or with the embedded stack's crash: the scheduled run's sensor is waiting from the start)
    failed = [t for t in e2e.api.tries(VALUE_DAG, late["dag_run_id"], sensor) if t["state"] == "failed"]
    timed_out = max(failed, key=lambda t: t["try_number"])
    log = full_log(e2e.api, VALUE_DAG, late["dag_run_id"], sensor, timed_out["try_number"])
    assert "marking task as UP_FOR_RESCHEDULE" in log
    assert f"Batch transactions {e2e.scenario.late_day} is late" in log, log[-1500:]
    assert f"did not appear within {SENSOR_TIMEOUT}s" in log


def test_warehouse_writes_never_overlap(e2e: Stack):
    spans = []
    for run in e2e.observed.backfill:
        for ti in e2e.api.task_instances(VALUE_DAG, run["dag_run_id"]):
            # a task marked upstream_failed never ran: its start and end are the instant it was marked
            ran = ti.get("state") != "upstream_failed" and ti.get("start_date") != ti.get("end_date")
            if ti.get("pool") == "warehouse" and ti.get("start_date") and ti.get("end_date") and ran:
                spans.append((datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"]),
                              f"{run['logical_date'][:10]} {ti['task_id']}"))
    spans.sort()
    assert len(spans) > 10
    for (_, end, a), (start, _, b) in zip(spans, spans[1:], strict=False):
        assert start >= end, f"{a} and {b} wrote the warehouse at the same time"


def test_clearing_a_finished_day_leaves_every_table_identical(e2e: Stack):
    before, after = e2e.observed.before_rerun, e2e.observed.after_rerun
    assert before and before == after, {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                                        if before.get(k) != after.get(k)}


def test_innovation_promotes_and_the_next_run_scores_with_the_new_version(e2e: Stack):
    assert [r["state"] for r in e2e.observed.innovation] == ["success"]
    first = e2e.api.xcom(VALUE_DAG, _day_runs(e2e, faulty=False)[0]["dag_run_id"], "score.score_champion")
    rerun = e2e.observed.late_rerun
    assert rerun["state"] == "success", _states(e2e, rerun)
    latest = e2e.api.xcom(VALUE_DAG, rerun["dag_run_id"], "score.score_champion")
    assert latest["model_version"] != first["model_version"], (first, latest)


def test_snapshot_is_stable(e2e: Stack):
    """The checksum helper itself: two reads of an idle warehouse agree (so a difference above is real)."""
    assert table_checksums(e2e.rows_of) == table_checksums(e2e.rows_of)


# -- the analysts' triage and the promotion's approval ---------------------------------------------------------

TRIAGE_DAG, TRIAGE_TASK = "quality_triage", "analyst_verdict"


def test_every_stopped_day_opens_one_triage_and_clean_days_none(e2e: Stack):
    from dataops.weblinks import triage_run_id

    for run in e2e.observed.backfill:
        ds = run["logical_date"][:10]
        opener = e2e.api.task_state(VALUE_DAG, run["dag_run_id"], "quality.open_triage")
        if e2e.scenario.fault_of(ds) is None:
            assert opener == "skipped", (ds, opener)
            continue
        assert opener == "success", (ds, opener)
        triage = e2e.api.run(TRIAGE_DAG, triage_run_id("transactions", ds))
        assert triage["conf"]["value_run_id"] == run["dag_run_id"], triage["conf"]
        assert triage["conf"]["subject"].startswith(f"Critical finding on transactions {ds}"), triage["conf"]
        # waiting for the analysts (or answered by a test below): never settled without them
        state = e2e.api.task_state(TRIAGE_DAG, triage["dag_run_id"], TRIAGE_TASK)
        assert state in ("awaiting_input", "success"), (ds, state)


def test_the_promotion_was_approved_by_the_logged_in_user(e2e: Stack):
    run = e2e.observed.innovation[0]
    answer = e2e.api.xcom(INNOVATION_DAG, run["dag_run_id"], "approve_promotion")
    assert answer["chosen_options"] == ["Approve"], answer
    assert answer["responded_by_user"]["name"] == e2e.api.username, answer
    last = max(t["try_number"] for t in e2e.api.tries(INNOVATION_DAG, run["dag_run_id"], "promote_or_reject"))
    log = full_log(e2e.api, INNOVATION_DAG, run["dag_run_id"], "promote_or_reject", last)
    assert f"approved by {e2e.api.username}" in log, log[-2000:]

"""How the triage and approval tasks are wired: an incident never blocks the next days, an optional
approval never blocks a promotion that does not need it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


def test_the_gate_opens_the_triage_without_holding_the_scoring(dagbag):
    dag = dagbag.dags["value_pipeline_transactions"]
    opener = dag.get_task("quality.open_triage")
    assert opener.upstream_task_ids == {"quality.spc_gate"} and opener.trigger_rule == "all_failed"
    assert opener.trigger_dag_id == "quality_triage" and opener.skip_when_already_exists
    # scoring and the marts' publication follow the gate itself, not the (usually skipped) triage opener
    assert dag.get_task("score.release_plan").upstream_task_ids == {"quality.spc_gate"}
    assert dag.get_task("score.score_champion").upstream_task_ids == {"score.release_plan"}
    assert dag.get_task("publish.publish_marts").upstream_task_ids == {"quality.spc_gate"}
    assert not opener.downstream_task_ids


def test_the_release_step_runs_after_both_scorers_and_before_the_score_metrics(dagbag):
    dag = dagbag.dags["value_pipeline_transactions"]
    step = dag.get_task("score.release_step")
    assert step.upstream_task_ids == {"score.release_plan", "score.score_champion", "score.score_challenger"}
    # a day without a release skips the challenger, a failed challenger must not leave its share undecided;
    # a batch the gate stopped has no plan: the step skips itself
    assert step.trigger_rule == "all_done" and step.plan_task_id == "score.release_plan"
    # the published score metrics are the champion's after the step moved the day's decisions
    assert dag.get_task("score.score_metrics").upstream_task_ids == {"score.release_step", "score.score_champion"}


def test_the_triage_asks_the_analysts_then_labels_then_reruns(dagbag):
    dag = dagbag.dags["quality_triage"]
    ask = dag.get_task("analyst_verdict")
    assert ask.options == ["known_bad", "false_positive"] and ask.defaults is None  # no silent default
    assert "comment" in ask.params
    assert ask.retries >= 1 and ask.response_timeout.total_seconds() > 0  # each timeout: a reminder
    assert dag.get_task("apply_verdict").upstream_task_ids == {"analyst_verdict"}
    rerun = dag.get_task("rerun_batch")
    assert rerun.upstream_task_ids == {"apply_verdict"} and rerun.reset_dag_run
    assert dag.max_active_runs > 1 and dag.schedule is None or dag.timetable.summary in ("None", "")


def test_the_triage_reminder_timing_comes_from_the_environment(monkeypatch):
    from dataops.settings import triage_timing

    monkeypatch.setenv("DATAOPS_TRIAGE_REMINDER_AFTER", "600")
    monkeypatch.setenv("DATAOPS_TRIAGE_REMINDERS", "2")
    assert triage_timing() == {"reminder_after": 600.0, "reminders": 2.0}


@pytest.mark.parametrize(("env", "dataset", "expected"), [("", False, False), ("", True, True),
                                                          ("true", False, True), ("false", True, False)])
def test_the_deployment_switch_overrides_the_dataset_setting(monkeypatch, env, dataset, expected):
    from dataops.settings import require_approval

    monkeypatch.setenv("DATAOPS_REQUIRE_APPROVAL", env)
    assert require_approval(dataset) is expected


def test_a_bad_deployment_switch_is_a_clear_error(monkeypatch):
    from dataops.settings import require_approval

    monkeypatch.setenv("DATAOPS_REQUIRE_APPROVAL", "maybe")
    with pytest.raises(ValueError, match="DATAOPS_REQUIRE_APPROVAL must be true or false"):
        require_approval(False)


def test_the_triage_dag_is_live_as_soon_as_it_is_deployed(dagbag):
    """A paused triage DAG would leave every incident queued, unseen by the analysts."""
    assert dagbag.dags["quality_triage"].is_paused_upon_creation is False

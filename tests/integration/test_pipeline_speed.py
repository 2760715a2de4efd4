"""The pipeline's own speed through the operator (a DuckDB warehouse, the SMTP connection to a real SMTP server on
127.0.0.1): each day's task durations come as Airflow hands them to a task, the run's task-instance records
(``ti.get_task_breadcrumbs``). Thirty ordinary days, then one task slows down by 5 % a day: the EWMA chart
catches the slow leak days before the Shewhart chart could; a single day three times as slow is a Shewhart
warning at once. Operations get the e-mails, the analysts none, and the run is never stopped."""

from __future__ import annotations

import random
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

START = date(2026, 2, 1)
#: the usual seconds of work of the watched tasks (the transactions metrics file)
USUAL = {"ingest.load_transactions": 4.0, "transform.dbt_producer_watcher": 30.0, "quality.spc_gate": 6.0,
         "score.score_champion": 3.0, "score.score_metrics": 2.5}
SLOWED = "score.score_champion"


def _breadcrumbs(seconds: dict[str, float]) -> list[dict]:
    return [{"task_id": t, "map_index": -1, "state": "success", "operator": "X", "duration": s}
            for t, s in seconds.items()]


def _day(n: int, seconds: dict[str, float]) -> dict:
    from dataops_airflow.operators.quality import QualityGateOperator

    ds = (START + timedelta(days=n)).isoformat()
    run_id = f"scheduled__{ds}T00:00:00+00:00"
    ti = SimpleNamespace(dag_id="value_pipeline_transactions", task_id="pipeline_speed", run_id=run_id,
                         try_number=1, log_url="", xcom_push=lambda **kw: None,
                         get_task_breadcrumbs=lambda dag_id, run: _breadcrumbs(seconds) if run == run_id else [])
    check = QualityGateOperator(task_id="pipeline_speed", dataset="transactions", stage="pipeline", batch_date=ds,
                                run_gx=False)
    return check.execute({"ti": ti})


def _ordinary(rng: random.Random) -> dict[str, float]:
    """A day's durations: each task's usual time, give or take 10 % (a shared machine)."""
    return {t: round(s * rng.lognormvariate(0, 0.1), 3) for t, s in USUAL.items()}


@pytest.fixture
def ops_mail(stack_connections, monkeypatch):
    monkeypatch.setenv("DATAOPS_OPS_RECIPIENTS", "ops@localhost")
    return stack_connections["mail_sink"]


def _flagged(result: dict) -> dict[str, str]:
    return {f["metric"]: f["severity"] for f in result["findings"]}


def test_a_slow_leak_is_caught_by_the_ewma_and_a_jump_by_shewhart_and_only_operations_are_told(ops_mail):
    rng = random.Random(7)
    for n in range(30):  # the baseline: quiet (the first 20 days only learn)
        result = _day(n, _ordinary(rng))
        assert result["verdict"] in ("in_control", "learning") and not result["findings"], (n, result["findings"])
    assert ops_mail.messages() == []

    caught: dict[str, int] = {}
    for k in range(1, 21):  # the champion's scoring gets 5 % slower every day
        seconds = _ordinary(rng)
        seconds[SLOWED] = round(USUAL[SLOWED] * 1.05 ** k * rng.lognormvariate(0, 0.1), 3)
        result = _day(29 + k, seconds)
        assert result["verdict"] != "critical"  # a slower pipeline never stops the run
        for metric in _flagged(result):
            caught.setdefault(metric, k)
        if f"task_seconds.{SLOWED}" in caught:
            break  # Shewhart too: the leak has doubled the task's time
    ewma, shewhart = f"task_seconds_ewma.{SLOWED}", f"task_seconds.{SLOWED}"
    assert set(caught) <= {ewma, shewhart, f"task_rows_per_second.{SLOWED}"}, caught  # no other task flagged
    assert ewma in caught and caught[ewma] <= 10, caught
    assert caught[ewma] < caught.get(shewhart, 99), caught  # the leak: EWMA first, days before Shewhart
    print(f"slow leak of 5 %/day caught by the EWMA after {caught[ewma]} days "
          f"(Shewhart: {caught.get(shewhart, 'not within 20 days')})")

    mails = ops_mail.messages()
    assert mails and {m["To"] for m in mails} == {"ops@localhost"}  # never the analysts
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert SLOWED in body, body[:2000]


def test_a_day_three_times_as_slow_is_a_shewhart_warning_on_that_task(ops_mail):
    rng = random.Random(11)
    for n in range(25):
        _day(n, _ordinary(rng))
    seconds = _ordinary(rng)
    seconds["quality.spc_gate"] = USUAL["quality.spc_gate"] * 3
    result = _day(25, seconds)
    assert _flagged(result).get("task_seconds.quality.spc_gate") == "warning", result["findings"]
    assert not any("spc_gate" not in m for m in _flagged(result)), result["findings"]
    assert result["verdict"] == "warning"
    (mail,) = ops_mail.messages()
    assert mail["To"] == "ops@localhost"

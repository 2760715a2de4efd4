"""The scenario through the production path without Docker (``make prod-local``): PostgreSQL metadata and
warehouse databases, Redis, CeleryExecutor with two workers; a Celery worker is SIGKILLed in the middle of the
first day's ingest (:mod:`tests.e2e.chaos`) and the day still ends loaded once."""

from __future__ import annotations

import time
import types
import uuid

import pytest

from dataops.devstack import processes, prod_local
from dataops.devstack.demo import INNOVATION_DAG, VALUE_DAG, connect_api
from tests.conftest import require_service
from tests.e2e.chaos import INGEST_TASK, KillWorkerMidIngest
from tests.e2e.checks import *  # noqa: F403 (the shared scenario tests)
from tests.e2e.checks import Stack
from tests.e2e.fault_checks import *  # noqa: F403 (the shared fault tests)
from tests.e2e.fault_checks import kill_targets
from tests.e2e.fault_table import report_faults
from tests.e2e.harness import (
    APPROVAL_TASK,
    E2E_ENV,
    PROD_FAULT_DAYS,
    Scenario,
    free_port,
    full_log,
    postgres_reader,
    report,
    run_scenario,
    scenario_table,
    table_checksums,
)
from tests.e2e.kill_every_task import KillEveryTask, scenario_targets
from tests.e2e.restart import RestartMidDay, crash_group

#: the module fixture plays the whole scenario inside the first test's time budget
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600)]


def _services_up(settings: prod_local.ProdLocalSettings) -> None:
    import redis
    import sqlalchemy as sa

    try:
        sa.create_engine(settings.db_url("postgres"), poolclass=sa.pool.NullPool).connect().close()
        pg = True
    except Exception:
        pg = False
    require_service(pg, f"PostgreSQL at {settings.pg}")
    try:
        redis.Redis.from_url(settings.redis_url).ping()
        ok = True
    except Exception:
        ok = False
    require_service(ok, f"Redis at {settings.redis_url}")


def _start_scheduler(s: prod_local.ProdLocalSettings, env: dict[str, str]) -> None:
    argv, _ = prod_local.service_commands(s)["scheduler"]
    processes.start("scheduler", argv, env, s.run_dir, s.log_dir)


@pytest.fixture(scope="module")
def prod_settings(tmp_path_factory):
    tag = uuid.uuid4().hex[:8]
    return prod_local.ProdLocalSettings(
        state=tmp_path_factory.mktemp("prod"), metadata_db=f"e2e_airflow_{tag}", warehouse_db=f"e2e_warehouse_{tag}",
        redis_url=f"redis://127.0.0.1:6379/{10 + int(tag, 16) % 6}", api_port=free_port(), s3_port=free_port(),
        smtp_port=free_port())


@pytest.fixture(scope="module")
def e2e(prod_settings):
    s = prod_settings
    _services_up(s)
    scenario = Scenario(state=s.state, fault_days=PROD_FAULT_DAYS)
    t0 = time.monotonic()
    api = None
    try:
        import redis

        redis.Redis.from_url(s.redis_url).flushdb()  # a broker database of our own, empty
        # the services first (S3 for landing), then the history, then Airflow
        tmp = s.state / "tmp"  # the workers' temporary files, where the chaos thread sees a download begin
        tmp.mkdir()
        env = prod_local.up(s, extra_env={**E2E_ENV, "TMPDIR": str(tmp),
                                          "DATAOPS_INNOVATION_CUTOFF": scenario.innovation_cutoff,
                                          "DATAOPS_PROMOTION_RULE": scenario.promotion_rule()})
        scenario.prepare(env, land=(0, scenario.days - 1), history=True)
        prepared = time.monotonic() - t0
        api = connect_api(types.SimpleNamespace(stack=s), timeout=300)
        rows_of = postgres_reader(s.db_url(s.warehouse_db, "postgresql"))
        registry_of = rows_of  # the registry's tables
        days = scenario.scenario_days()
        faults = {
            "worker_kill": KillWorkerMidIngest(api, tmp, s.run_dir, days[0]),
            # the same day, later: the scheduler (a process of its own here) dies while the transform runs
            "scheduler_restart": RestartMidDay(api, days[0], crash_group("scheduler", s.run_dir),
                                               lambda: _start_scheduler(s, env)),
            "kill_every_task": KillEveryTask(api, scenario_targets(api, VALUE_DAG, kill_targets(scenario),
                                                                   INNOVATION_DAG, frozenset({APPROVAL_TASK}))),
        }
        observed = run_scenario(api, scenario, env, lambda: table_checksums(rows_of), disturbances=faults)
        observed.timings["prepare"] = prepared
        observed.timings["total"] = time.monotonic() - t0
        report("production-path", observed, scenario_table(api, scenario, observed))
        observed.fault_rows = report_faults("production-path", observed, scenario, rows_of, registry_of)
        yield Stack(api=api, scenario=scenario, observed=observed, mail_dir=s.mail_dir, rows_of=rows_of,
                    registry_of=registry_of, state=s.state)
    finally:
        if api is not None:
            api.close()
        prod_local.down(s)
        assert not any(prod_local.status(s).values())
        prod_local.drop_databases(s)


def test_a_worker_killed_mid_ingest_is_retried_on_the_other_and_no_row_is_lost_or_doubled(e2e: Stack, prod_settings):
    kill = e2e.observed.disturbances["worker_kill"]
    assert kill.error is None and kill.kill is not None, kill.error or "the ingest was never seen loading"
    day, killed = kill.kill.day, kill.kill.worker
    run = next(r for r in e2e.observed.backfill if r["logical_date"][:10] == day)
    assert run["state"] == "success", run
    tries = sorted(e2e.api.tries(VALUE_DAG, run["dag_run_id"], INGEST_TASK), key=lambda t: t["try_number"])
    # try 1 was killed; try 2 is Airflow's retry (later tries are the scenario's clear-and-rerun of this day)
    assert [t["try_number"] for t in tries[:2]] == [1, 2], tries
    assert tries[0]["state"] != "success" and tries[1]["state"] == "success", tries
    # the killed try had published nothing: the retry loaded the batch as its first version
    retry = full_log(e2e.api, VALUE_DAG, run["dag_run_id"], INGEST_TASK, 2)
    assert f"loading transactions.transactions {day} v1:" in retry, retry[-2000:]
    # the killed worker is gone, so the successful try ran on the other one
    other = "worker2" if killed == "worker1" else "worker1"
    run_dir = prod_settings.run_dir
    assert not processes.running(killed, run_dir) and processes.running(other, run_dir)
    # every landed row loaded or quarantined, once: one published version, raw rows = loaded rows, unique ids
    ledger = e2e.rows_of("SELECT version, sum(rows_landed), sum(rows_loaded), sum(rows_quarantined) FROM "
                         f"raw.ingest_files WHERE source = 'transactions' AND batch_date = '{day}' GROUP BY version")
    assert len(ledger) == 1 and ledger[0][0] == 1, ledger
    _, landed, loaded, quarantined = ledger[0]
    assert landed == loaded + quarantined and loaded > 0, ledger[0]
    rows, ids = e2e.rows_of(f"SELECT count(*), count(DISTINCT tx_id) FROM raw.transactions WHERE batch_date = '{day}'")[0]
    assert rows == ids == loaded, (rows, ids, loaded)
    # the rerun of this day (test_clearing_a_finished_day_leaves_every_table_identical) reproduced every table
    assert day in e2e.observed.rerun_days


def test_an_analyst_answers_known_bad_through_the_api_and_the_day_stays_stopped(e2e: Stack):
    """The Required Action answered through the REST API (the path of scripts and other tools)."""
    from dataops.weblinks import triage_run_id

    api = e2e.api
    run = next(r for r in e2e.observed.backfill
               if (e2e.scenario.fault_of(r["logical_date"][:10]) or ("",))[0].startswith("new_category"))
    ds = run["logical_date"][:10]
    triage_id = triage_run_id("transactions", ds)
    api.wait_for_task("quality_triage", triage_id, "analyst_verdict", {"awaiting_input"}, timeout=300)
    api.answer("quality_triage", triage_id, "analyst_verdict", ["known_bad"],
               {"comment": "a new channel went live without notice"})
    triage = api.wait_for_run("quality_triage", triage_id, timeout=600)
    states = {t["task_id"]: t["state"] for t in api.task_instances("quality_triage", triage_id)}
    assert triage["state"] == "success" and states["rerun_batch"] == "skipped", states
    assert api.run(VALUE_DAG, run["dag_run_id"])["state"] == "failed"  # not re-run
    audit = e2e.rows_of(f"SELECT DISTINCT labelled_by, new_status FROM quality.label_audit "
                        f"WHERE dataset = 'transactions' AND batch_date = '{ds}'")
    assert audit == [(api.username, "known_bad")], audit


def test_a_gate_run_s_data_docs_are_served_from_the_reports_bucket(e2e: Stack, prod_settings):
    """Production keeps reports in S3 (``DATAOPS_REPORTS_BUCKET``): the page behind the gate's "Data Docs"
    link is in the bucket, and the API server still serves it once the worker's copy is gone."""
    from urllib.parse import unquote

    import boto3

    from dataops.weblinks import base_url

    # a day whose gate validated the batch (a rejected file leaves nothing to validate: its link is the index)
    run = next(r for r in e2e.observed.backfill
               if not (e2e.scenario.fault_of(r["logical_date"][:10]) or ("schema_change",))[0].startswith("schema_change"))
    link = e2e.api.extra_links(VALUE_DAG, run["dag_run_id"], "quality.spc_gate")["extra_links"]["Data Docs"]
    relative = unquote(link.removeprefix(f"{base_url(e2e.api.base_url)}/dataops/reports/"))
    assert relative != link and run["dag_run_id"] in relative, link
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{prod_settings.s3_port}", region_name="us-east-1",
                      aws_access_key_id="local-access-key", aws_secret_access_key="local-secret-key")
    key = f"reports/{relative}"
    assert s3.head_object(Bucket="reports", Key=key)["ContentLength"] > 0, key
    (prod_settings.state / "reports" / relative).unlink()  # the worker's copy
    page = e2e.api.request("GET", link.removeprefix(e2e.api.base_url.rstrip("/")))
    assert "Expectation Validation Result" in page and run["dag_run_id"] in page

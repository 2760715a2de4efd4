"""The scenario through the production path without Docker (``make prod-local``): PostgreSQL metadata and
warehouse databases, Redis, CeleryExecutor with two workers; plus a Celery worker killed mid-ingest."""

from __future__ import annotations

import os
import signal
import time
import types
import uuid

import pytest

from dataops.devstack import processes, prod_local
from dataops.devstack.demo import VALUE_DAG, connect_api
from tests.conftest import require_service
from tests.e2e.checks import *  # noqa: F403 (the shared scenario tests)
from tests.e2e.checks import Stack
from tests.e2e.harness import E2E_ENV, Scenario, free_port, postgres_reader, run_scenario, table_checksums

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
    scenario = Scenario(state=s.state)
    t0 = time.monotonic()
    api = None
    try:
        import redis

        redis.Redis.from_url(s.redis_url).flushdb()  # a broker database of our own, empty
        # the services first (S3 for landing), then the history, then Airflow
        env = prod_local.up(s, extra_env=E2E_ENV)
        scenario.prepare(env, land=(0, scenario.days - 1), history=True)
        prepared = time.monotonic() - t0
        api = connect_api(types.SimpleNamespace(stack=s), timeout=300)
        rows_of = postgres_reader(s.db_url(s.warehouse_db, "postgresql"))
        observed = run_scenario(api, scenario, env, lambda: table_checksums(rows_of))
        observed.timings["prepare"] = prepared
        observed.timings["total"] = time.monotonic() - t0
        print(f"\nproduction path e2e timings (s): {observed.timings}")
        yield Stack(api=api, scenario=scenario, observed=observed, mail_dir=s.mail_dir, rows_of=rows_of,
                    state=s.state)
    finally:
        if api is not None:
            api.close()
        prod_local.down(s)
        assert not any(prod_local.status(s).values())
        prod_local.drop_databases(s)


def _worker_of(pid: int | None, s: prod_local.ProdLocalSettings) -> str | None:
    """The worker whose process group holds ``pid``."""
    if not pid:
        return None
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        return None
    for i in range(1, s.workers + 1):
        pid_file = s.run_dir / f"worker{i}.pid"
        if pid_file.exists() and int(pid_file.read_text()) == group:
            return f"worker{i}"
    return None


def test_a_worker_killed_mid_ingest_is_retried_on_the_other_and_tables_end_identical(e2e: Stack, prod_settings):
    s, api = prod_settings, e2e.api
    before = table_checksums(e2e.rows_of)
    run = next(r for r in e2e.observed.backfill if e2e.scenario.fault_of(r["logical_date"][:10]) is None)
    api.clear_run(VALUE_DAG, run["dag_run_id"])
    task = "ingest.load_transactions"
    deadline = time.monotonic() + 600
    victim = None
    while victim is None and time.monotonic() < deadline:
        ti = next((t for t in api.task_instances(VALUE_DAG, run["dag_run_id"]) if t["task_id"] == task), None)
        if ti and ti["state"] == "running":
            victim = _worker_of(ti.get("pid"), s)
        time.sleep(0.5)
    assert victim, f"{task} was never seen running on a worker"
    os.killpg(int((s.run_dir / f"{victim}.pid").read_text()), signal.SIGKILL)
    finished = api.wait_for_run(VALUE_DAG, run["dag_run_id"], timeout=900)
    tries = api.tries(VALUE_DAG, run["dag_run_id"], task)
    assert finished["state"] == "success", tries
    assert len(tries) >= 2 and tries[-1]["state"] == "success", tries
    # the killed worker is gone, so the successful try ran on the other one
    assert not processes.running(victim, s.run_dir) and processes.running(
        "worker2" if victim == "worker1" else "worker1", s.run_dir)
    assert table_checksums(e2e.rows_of) == before

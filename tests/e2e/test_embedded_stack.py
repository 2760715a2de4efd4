"""The scenario through the real scheduler of the embedded stack (``airflow standalone``: LocalExecutor,
SQLite metadata, DuckDB warehouse), driven through the REST API and the landing bucket."""

from __future__ import annotations

import os
import time
import types
from unittest import mock

import pytest

from dataops.devstack import processes
from dataops.devstack.__main__ import migrate, start_services, stop_services
from dataops.devstack.demo import connect_api
from dataops.devstack.settings import StackSettings
from tests.e2e.checks import *  # noqa: F403 (the shared scenario tests)
from tests.e2e.checks import Stack
from tests.e2e.harness import E2E_ENV, Scenario, duckdb_reader, free_port, run_scenario, table_checksums

#: the module fixture plays the whole scenario inside the first test's time budget
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600)]


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    state = tmp_path_factory.mktemp("embedded")
    settings = StackSettings(state=state, s3_port=free_port(), smtp_port=free_port(), api_port=free_port())
    scenario = Scenario(state=state)
    t0 = time.monotonic()
    env_patch = mock.patch.dict(os.environ, {**E2E_ENV, "DATAOPS_STATE_DIR": str(state)})
    env_patch.start()
    os.environ.pop("DATAOPS_WAREHOUSE_URL", None)
    api = None
    try:
        env = start_services(settings, airflow=False)
        migrate(env)
        scenario.prepare(env, land=(0, scenario.days - 1), history=True)
        prepared = time.monotonic() - t0
        start_services(settings, airflow=True)
        api = connect_api(types.SimpleNamespace(stack=settings), timeout=300)
        rows_of = duckdb_reader(settings.warehouse_path)
        observed = run_scenario(api, scenario, env, lambda: table_checksums(rows_of))
        observed.timings["prepare"] = prepared
        observed.timings["total"] = time.monotonic() - t0
        print(f"\nembedded stack e2e timings (s): {observed.timings}")
        yield Stack(api=api, scenario=scenario, observed=observed, mail_dir=settings.mail_dir, rows_of=rows_of,
                    state=state)
    finally:
        if api is not None:
            api.close()
        stop_services(settings)
        for name in ("airflow", "smtp", "s3"):
            assert not processes.running(name, settings.run_dir)
        env_patch.stop()

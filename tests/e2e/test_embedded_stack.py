"""The scenario through the real scheduler of the embedded stack (``airflow standalone``: LocalExecutor,
SQLite metadata, DuckDB warehouse), driven through the REST API and the landing bucket; then the same stack's UI
in headless Chromium (screenshots under ``test-artifacts/ui/``)."""

from __future__ import annotations

import os
import time
import types
from unittest import mock
from urllib.parse import quote

import pytest

from dataops.devstack import processes
from dataops.devstack.__main__ import migrate, start_services, stop_services
from dataops.devstack.demo import VALUE_DAG, connect_api
from dataops.devstack.settings import StackSettings
from tests.e2e.checks import *  # noqa: F403 (the shared scenario tests)
from tests.e2e.checks import Stack
from tests.e2e.harness import (
    E2E_ENV,
    Scenario,
    duckdb_reader,
    free_port,
    report,
    run_scenario,
    scenario_table,
    table_checksums,
)

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
        report("embedded-stack", observed, scenario_table(api, scenario, observed))
        yield Stack(api=api, scenario=scenario, observed=observed, mail_dir=settings.mail_dir, rows_of=rows_of,
                    state=state)
    finally:
        if api is not None:
            api.close()
        stop_services(settings)
        for name in ("airflow", "smtp", "s3"):
            assert not processes.running(name, settings.run_dir)
        env_patch.stop()


# -- the same stack's UI in headless Chromium (after the scenario: its runs, logs and links are real) ---------


@pytest.fixture(scope="module")
def browser(e2e):
    from tests.e2e.browser import start_browser

    driver = start_browser()
    yield driver
    driver.quit()


def _volume_drop_run(e2e: Stack) -> dict:
    return next(r for r in e2e.observed.backfill
                if (e2e.scenario.fault_of(r["logical_date"][:10]) or ("",))[0] == "volume_drop")


@pytest.mark.browser
def test_browser_grid_failed_gate_log_and_its_data_docs_link(e2e: Stack, browser):
    from selenium.webdriver.common.by import By

    from tests.e2e.browser import log_in, shot, wait_text

    api = e2e.api
    base, run = api.base_url, _volume_drop_run(e2e)
    assert run["state"] == "failed", run
    run_id = run["dag_run_id"]
    log_in(browser, base, api.username, api.password)
    shot(browser, "01-home")

    browser.get(f"{base}/dags/{VALUE_DAG}")  # the Dag page opens on its grid
    wait_text(browser, VALUE_DAG, "quality")
    shot(browser, "02-value-pipeline-grid")

    task = f"{base}/dags/{VALUE_DAG}/runs/{quote(run_id, safe='')}/tasks/quality.spc_gate"
    browser.get(task)
    log = wait_text(browser, "row_count", "critical", timeout=120)
    assert "Data Docs" in log
    shot(browser, "03-failed-gate-log")

    # the task instance's extra links are buttons (<a>) on its Details tab
    browser.get(f"{task}/details")
    wait_text(browser, "Data Docs")
    href = browser.find_element(By.XPATH, "//a[normalize-space()='Data Docs']").get_attribute("href")
    assert href.startswith(f"{base}/dataops/reports/data_docs/validations/"), href
    shot(browser, "04-failed-gate-extra-link")
    browser.get(href)  # the button opens a new tab; the same URL in this one keeps the session's cookie
    wait_text(browser, "Expectation Validation Result", run_id)  # this run's own page
    assert browser.find_elements(By.TAG_NAME, "table"), "the Data Docs page shows no table"
    assert "Great Expectations" in browser.title
    shot(browser, "05-data-docs-of-the-failed-run")


@pytest.mark.browser
def test_browser_the_reports_app_refuses_a_browser_that_is_not_logged_in(e2e: Stack):
    import httpx

    href = e2e.api.extra_links(VALUE_DAG, _volume_drop_run(e2e)["dag_run_id"], "quality.spc_gate")["extra_links"]["Data Docs"]
    assert href and httpx.get(href).status_code == 401, href

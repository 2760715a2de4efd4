"""The scenario through the real scheduler of the embedded stack (API server, scheduler with the LocalExecutor,
DAG processor and triggerer as processes of their own; SQLite metadata, DuckDB warehouse), driven through the
REST API and the landing bucket; then the same stack's UI in headless Chromium (screenshots under
``test-artifacts/ui/``)."""

from __future__ import annotations

import os
import time
import types
from unittest import mock
from urllib.parse import quote

import pytest

from dataops.devstack import processes
from dataops.devstack.__main__ import AIRFLOW_COMPONENTS, SERVICES, migrate, start_services, stop_services
from dataops.devstack.demo import INNOVATION_DAG, VALUE_DAG, connect_api
from dataops.devstack.settings import StackSettings
from tests.e2e.checks import *  # noqa: F403 (the shared scenario tests)
from tests.e2e.checks import Stack
from tests.e2e.fault_checks import *  # noqa: F403 (the shared fault tests)
from tests.e2e.fault_checks import kill_targets
from tests.e2e.fault_table import report_faults
from tests.e2e.harness import (
    APPROVAL_TASK,
    E2E_ENV,
    EMBEDDED_FAULT_DAYS,
    Scenario,
    duckdb_reader,
    free_port,
    mails,
    report,
    run_scenario,
    scenario_table,
    sqlite_registry_reader,
    table_checksums,
)
from tests.e2e.kill_every_task import KillEveryTask, scenario_targets
from tests.e2e.restart import RestartMidDay, crash_group

#: the module fixture plays the whole scenario inside the first test's time budget
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600)]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, started before the scenario: it approves the scenario's promotion as a person would."""
    from tests.e2e.browser import start_browser

    driver = start_browser()
    yield driver
    driver.quit()


def approve_in_the_browser(browser):
    """``run_scenario``'s approver: log in and click Approve on the promotion's Required Action."""
    from tests.e2e.browser import answer_required_action, log_in

    def approve(api, run: dict) -> None:
        log_in(browser, api.base_url, api.username, api.password)
        url = (f"{api.base_url}/dags/{INNOVATION_DAG}/runs/{quote(run['dag_run_id'], safe='')}/tasks/"
               "approve_promotion/required_actions")
        page = answer_required_action(browser, url, "Approve", shots="10-promotion-approval")
        assert f"from {api.username}" in page, page[-1500:]

    return approve


@pytest.fixture(scope="module")
def e2e(tmp_path_factory, browser):
    state = tmp_path_factory.mktemp("embedded")
    settings = StackSettings(state=state, s3_port=free_port(), smtp_port=free_port(), api_port=free_port())
    scenario = Scenario(state=state, fault_days=EMBEDDED_FAULT_DAYS)
    t0 = time.monotonic()
    env_patch = mock.patch.dict(os.environ, {**E2E_ENV, "DATAOPS_STATE_DIR": str(state),
                                             "DATAOPS_INNOVATION_CUTOFF": scenario.innovation_cutoff,
                                             "DATAOPS_PROMOTION_RULE": scenario.promotion_rule()})
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
        registry_of = sqlite_registry_reader(state / "registry.sqlite")  # the registry's tables
        days = scenario.scenario_days()
        faults = {
            # the stack crashes (scheduler, API server, task processes) in the middle of the first day
            "scheduler_restart": RestartMidDay(api, days[0], crash_group(AIRFLOW_COMPONENTS, settings.run_dir,
                                                                         settings.api_port),
                                               lambda: start_services(settings, airflow=True)),
            "kill_every_task": KillEveryTask(api, scenario_targets(api, VALUE_DAG, kill_targets(scenario),
                                                                   INNOVATION_DAG, frozenset({APPROVAL_TASK}))),
        }
        observed = run_scenario(api, scenario, env, lambda: table_checksums(rows_of), disturbances=faults,
                                approve=approve_in_the_browser(browser))
        observed.timings["prepare"] = prepared
        observed.timings["total"] = time.monotonic() - t0
        report("embedded-stack", observed, scenario_table(api, scenario, observed))
        observed.fault_rows = report_faults("embedded-stack", observed, scenario, rows_of, registry_of)
        yield Stack(api=api, scenario=scenario, observed=observed, mail_dir=settings.mail_dir, rows_of=rows_of,
                    registry_of=registry_of, state=state, env=env)
    finally:
        if api is not None:
            api.close()
        stop_services(settings)
        for name in SERVICES:
            assert not processes.running(name, settings.run_dir)
        env_patch.stop()


# -- the same stack's UI in headless Chromium (after the scenario: its runs, logs and links are real) ---------


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


def _triage_link(mail_dir, ds: str) -> str:
    """The triage link of the analysts' alert e-mail about ``ds`` (decoded from its MIME parts)."""
    import email
    import re
    from email import policy

    for path in sorted(mail_dir.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if "fraud-analysts@example.com" not in str(msg["To"]) or ds not in str(msg["Subject"]):
            continue
        text = msg.get_body(("plain",)).get_content()
        found = re.search(r"https?://\S+/dags/quality_triage/runs/\S+/required_actions", text)
        if found:
            return found.group(0)
    raise AssertionError(f"no alert e-mail about {ds} with a triage link in {mail_dir}")


@pytest.mark.browser
def test_browser_an_analyst_answers_false_positive_from_the_email_and_the_day_is_scored(e2e: Stack, browser):
    from dataops.weblinks import triage_run_id
    from tests.e2e.browser import answer_required_action, log_in, shot, wait_text

    api = e2e.api
    run = _volume_drop_run(e2e)  # after the grid test above, which reads this run's failed gate
    ds = run["logical_date"][:10]
    link = _triage_link(e2e.mail_dir, ds)
    assert link.startswith(api.base_url), link
    log_in(browser, api.base_url, api.username, api.password)
    comment = "planned outage of the card terminals: low volume, no incident"
    page = answer_required_action(browser, link, "false_positive", comment=comment, shots="20-triage")
    assert f"from {api.username}" in page and "row_count" in page, page[-1500:]

    # the answer labels the day (attributed to the login), then the day runs again and is scored
    triage = api.wait_for_run("quality_triage", triage_run_id("transactions", ds), timeout=600)
    assert triage["state"] == "success", triage
    rerun = api.wait_for_run(VALUE_DAG, run["dag_run_id"], timeout=900)
    states = {t["task_id"]: t["state"] for t in api.task_instances(VALUE_DAG, run["dag_run_id"])}
    assert rerun["state"] == "success", states
    assert states["score.score_champion"] == "success" and states["quality.open_triage"] == "skipped", states
    audit = e2e.rows_of(f"SELECT DISTINCT labelled_by, new_status, comment FROM quality.label_audit "
                        f"WHERE dataset = 'transactions' AND batch_date = '{ds}'")
    assert audit == [(api.username, "false_positive", comment)], audit
    scored = e2e.rows_of(f"SELECT count(*) FROM marts.predictions WHERE batch_date = '{ds}' AND role = 'champion'")
    assert scored[0][0] > 0
    browser.get(f"{api.base_url}/dags/{VALUE_DAG}/runs/{quote(run['dag_run_id'], safe='')}")
    wait_text(browser, "score_champion")
    shot(browser, "21-triaged-day-scored")


@pytest.mark.browser
def test_browser_the_dataops_view_in_the_airflow_ui_and_a_control_chart(e2e: Stack, browser):
    from selenium.webdriver.common.by import By

    from tests.e2e.browser import log_in, shot, wait_text

    api = e2e.api
    log_in(browser, api.base_url, api.username, api.password)
    browser.get(f"{api.base_url}/plugin/dataops")  # the navigation entry: the view in Airflow's frame
    wait_text(browser, "DataOps")
    frame = browser.find_element(By.TAG_NAME, "iframe")
    assert frame.get_attribute("src").endswith("/dataops/view/"), frame.get_attribute("src")
    browser.switch_to.frame(frame)
    wait_text(browser, "transactions", "row_count")
    assert browser.find_elements(By.CSS_SELECTOR, ".tile[data-metric][data-state]")
    browser.switch_to.default_content()
    shot(browser, "30-dataops-view")
    browser.get(f"{api.base_url}/dataops/view/datasets/transactions/metrics/row_count")
    wait_text(browser, "row_count")
    points = browser.find_elements(By.CSS_SELECTOR, "svg.control-chart circle.point")
    assert len(points) >= 20, len(points)  # the history's batches, centre and limits around them
    shot(browser, "31-control-chart-row-count")


@pytest.mark.browser
def test_browser_rollback_from_the_registry_view_is_recorded_with_the_user(e2e: Stack, browser):
    from selenium.webdriver.common.by import By

    from tests.e2e.browser import log_in, shot, wait_text

    api = e2e.api
    log_in(browser, api.base_url, api.username, api.password)
    browser.get(f"{api.base_url}/dataops/view/")
    wait_text(browser, "Roll back to")
    browser.find_element(By.NAME, "reason").send_keys("the new champion flags too many card-present sales")
    browser.find_element(By.NAME, "confirm").click()
    shot(browser, "40-rollback-form")
    browser.find_element(By.CSS_SELECTOR, "form.rollback button").click()
    page = wait_text(browser, "rolled back from", f"by {api.username}")
    assert "the new champion flags too many card-present sales" in page
    shot(browser, "41-rolled-back")


@pytest.mark.browser
def test_every_plugin_route_refuses_an_anonymous_caller(e2e: Stack):
    import re

    import httpx

    from dataops_airflow.ui.app import app

    sample = {"path": "data_docs/index.html", "model_name": "transactions", "version": "v1", "dataset": "transactions",
              "metric": "row_count", "dag_id": VALUE_DAG, "run_id": "x", "model": "transactions"}
    checked = 0
    for route in app.routes:
        for method in sorted(getattr(route, "methods", None) or ()):
            if method == "HEAD":
                continue
            path = re.sub(r"\{(\w+)(?::path)?\}", lambda m: sample.get(m.group(1), "x"), route.path)
            answer = httpx.request(method, f"{e2e.api.base_url}/dataops{path}", data={"reason": "anonymous"})
            assert answer.status_code == 401, (method, path, answer.status_code)
            checked += 1
    assert checked >= 6, checked


# -- release strategies through the scheduler (last: they move the aliases the tests above read) -------------


def _aliases(e2e: Stack) -> dict[str, str]:
    return dict(e2e.registry_of("SELECT alias, version FROM registry.model_aliases WHERE model_name = 'transactions'"))


def test_releases_canary_rollback_and_blue_green_through_the_scheduler(e2e: Stack, browser):
    """Five of the history's last days replayed through the scheduler while an operator releases: the Innovation
    Pipeline's challenger as a canary (5 % -> 25 % -> 100 %, one day each) ending as champion; a corrupt copy
    of it as the next canary, rolled back on its first day; a rebuild of the champion blue/green, switched to
    in one step and switched back in one step by the ``model_rollback`` DAG."""
    from tests.e2e.browser import log_in, shot, wait_text
    from tests.e2e.release_scenario import (
        CANARY,
        dataops,
        record,
        release,
        release_days,
        replay,
        stack_registry,
    )
    from tests.release_models import defective, edited_copy

    api, env, days = e2e.api, e2e.env, release_days(e2e.scenario, e2e.rows_of)
    versions = dataops(env, "registry", "list")["versions"]
    first = next(v["version"] for v in versions if v["created_by"] == "demo-bootstrap")
    trained = next(v["version"] for v in versions if v["created_by"] != "demo-bootstrap")  # the Innovation's
    if _aliases(e2e) != {"champion": first}:  # the browser's rollback above left the first champion deciding
        dataops(env, "registry", "promote", first, "--reason", "e2e: releases start from the first champion")
    assert _aliases(e2e) == {"champion": first}

    release(env, trained, "canary", days[0], "e2e: canary of the Innovation Pipeline's challenger", "--canary", CANARY)
    canary = replay(api, e2e.rows_of, days[:3])
    lines = record([], f"canary of {trained} (champion {first})", canary)
    assert [(d.run["state"], d.plan["release"]["share"], d.outcome["action"]) for d in canary] == [
        ("success", 0.05, "hold"), ("success", 0.25, "hold"), ("success", 1.0, "promote")], lines
    for d, share in zip(canary[:2], (0.05, 0.25), strict=True):
        assert d.deciding == {1: d.rows}, (d.ds, d.deciding)  # every transaction decided once
        assert set(d.decided) == {(first, "champion"), (trained, "canary")}, d.decided
        sd = (share * (1 - share) / d.rows) ** 0.5
        assert abs(d.decided[(trained, "canary")] / d.rows - share) < 3.5 * sd, lines
    assert canary[2].decided == {(trained, "champion"): canary[2].rows}, lines
    assert _aliases(e2e) == {"champion": trained, "standby": first}

    with stack_registry(env) as registry:
        broken = defective(registry, trained)
        rebuilt = edited_copy(registry, trained, lambda leaves: leaves, "e2e: the champion rebuilt (same trees)")
    release(env, broken, "canary", days[3], "e2e: a corrupt artifact as canary", "--canary", CANARY)
    [bad] = replay(api, e2e.rows_of, days[3:4])
    record(lines, f"canary of {broken} (every score NaN)", [bad])
    assert bad.run["state"] == "success" and bad.outcome["action"] == "rollback", lines
    assert "invalid_scores" in bad.outcome["reason"], bad.outcome["reason"]
    assert bad.decided == {(trained, "champion"): bad.rows} and bad.deciding == {1: bad.rows}, lines
    assert _aliases(e2e) == {"champion": trained}  # the standby was let go when the release started
    removal = e2e.registry_of("SELECT action, to_version, reason FROM registry.alias_history "
                              "WHERE alias = 'canary' ORDER BY revision DESC LIMIT 1")[0]
    assert removal[:2] == ("remove", None) and "automatic rollback" in removal[2], removal
    assert any("[RELEASE ROLLED BACK]" in m and broken in m for m in mails(e2e.mail_dir)), "no rollback e-mail"

    release(env, rebuilt, "blue_green", days[4], "e2e: blue/green of the rebuilt champion")
    [switch] = replay(api, e2e.rows_of, days[4:])
    record(lines, f"blue/green of {rebuilt}", [switch])
    assert switch.plan["release"]["alias"] == "green" and switch.outcome["action"] == "switch", lines
    assert switch.decided == {(rebuilt, "champion"): switch.rows} and switch.deciding == {1: switch.rows}, lines
    assert _aliases(e2e) == {"champion": rebuilt, "standby": trained}
    api.set_paused("model_rollback", False)
    run = api.trigger("model_rollback", conf={"model": "transactions", "reason": "e2e: switch back to blue"})
    assert api.wait_for_run("model_rollback", run["dag_run_id"], timeout=600)["state"] == "success"
    api.set_paused("model_rollback", True)
    assert _aliases(e2e) == {"champion": trained}

    log_in(browser, api.base_url, api.username, api.password)
    browser.get(f"{api.base_url}/dataops/view/")
    page = wait_text(browser, "Who decided the last batches", days[0])
    assert rebuilt in page and trained in page, page[-2000:]
    browser.execute_script("document.querySelector('table.decided').scrollIntoView()")
    shot(browser, "50-who-decided-the-last-batches")

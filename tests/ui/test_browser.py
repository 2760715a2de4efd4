"""The Airflow UI of the embedded stack in headless Chromium: log in, the Value Pipeline grid, a failed gate
task's log and its "Data Docs" extra link served by the ``/dataops`` app. Screenshots: ``test-artifacts/ui/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import REPO, require_service
from tests.ui.stack_steps import BACKFILL

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TODAY = date(2026, 6, 1)
ARTIFACTS = REPO / "test-artifacts" / "ui"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--window-size=1600,1000")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The embedded stack in a temporary state folder on free ports, two backfilled Value Pipeline days."""
    require_service(Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), "chromium and chromium-driver "
                    "(`make browser`)")
    from dataops.devstack.__main__ import migrate, start_services, stop_services
    from dataops.devstack.demo import VALUE_DAG, Demo, connect_api, wait_for_runs
    from dataops.devstack.settings import StackSettings

    ports = {"DATAOPS_S3_PORT": _free_port(), "DATAOPS_SMTP_PORT": _free_port(), "DATAOPS_API_PORT": _free_port()}
    saved = dict(os.environ)
    os.environ.update({k: str(v) for k, v in ports.items()})
    os.environ.update(DATAOPS_STATE_DIR=str(tmp_path_factory.mktemp("stack")), DATAOPS_DEMO_TX_PER_DAY="300")
    settings = StackSettings.from_env()
    try:
        env = start_services(settings, airflow=False)
        migrate(env)
        subprocess.run([sys.executable, "-m", "tests.ui.stack_steps", TODAY.isoformat()], env=env, cwd=REPO,
                       check=True, stdout=subprocess.DEVNULL)
        start_services(settings, airflow=True)
        demo = Demo(settings, today=TODAY)
        api = connect_api(demo, timeout=300)
        first, last = (demo.day(d) for d in BACKFILL)
        api.backfill(VALUE_DAG, f"{first}T00:00:00Z", f"{last}T00:00:00Z")
        api.set_paused(VALUE_DAG, False)  # the scheduler starts no run, backfill or not, of a paused DAG
        runs = wait_for_runs(api, VALUE_DAG, len(BACKFILL), run_type="backfill", timeout=1800, echo=lambda _: None)
        api.set_paused(VALUE_DAG, True)
        yield {"settings": settings, "api": api, "runs": runs, "fault_day": last, "dag": VALUE_DAG}
    finally:
        stop_services(settings)
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def browser(stack):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def _wait_text(driver, *texts: str, timeout: float = 90) -> str:
    """The page's visible text once it shows every one of ``texts``."""
    from selenium.common.exceptions import StaleElementReferenceException
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        try:
            body = driver.find_element("tag name", "body").text
        except StaleElementReferenceException:  # the page was replaced while it was read: read it again
            continue
        if all(t in body for t in texts):
            return body
        time.sleep(1)
    raise AssertionError(f"{texts} not visible on {driver.current_url}; page shows: {body[:2000]}")


def _shot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def test_grid_failed_gate_log_and_its_data_docs_link(stack, browser):
    from selenium.webdriver.common.by import By

    from dataops.devstack.__main__ import admin_password

    base, dag = stack["settings"].ui_url, stack["dag"]
    failed = [r for r in stack["runs"] if r["logical_date"].startswith(stack["fault_day"])]
    assert failed and failed[0]["state"] == "failed", stack["runs"]
    run_id = failed[0]["dag_run_id"]

    browser.get(base + "/")
    _wait_text(browser, "Sign")  # the SimpleAuthManager login form
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(admin_password(stack["settings"]))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_text(browser, "Dags")
    _shot(browser, "01-home")

    browser.get(f"{base}/dags/{dag}")  # the Dag page opens on its grid
    _wait_text(browser, dag, "quality")
    _shot(browser, "02-value-pipeline-grid")

    task = f"{base}/dags/{dag}/runs/{quote(run_id, safe='')}/tasks/quality.spc_gate"
    browser.get(task)
    log = _wait_text(browser, "row_count", "critical", timeout=120)
    assert "Data Docs" in log
    _shot(browser, "03-failed-gate-log")

    # the task instance's extra links are buttons (<a>) on its Details tab
    browser.get(f"{task}/details")
    _wait_text(browser, "Data Docs")
    link = browser.find_element(By.XPATH, "//a[normalize-space()='Data Docs']")
    href = link.get_attribute("href")
    assert href.startswith(f"{base}/dataops/reports/data_docs/validations/"), href
    _shot(browser, "04-failed-gate-extra-link")
    browser.get(href)  # the button opens a new tab; the same URL in this one keeps the session's cookie
    _wait_text(browser, "Expectation Validation Result", run_id)  # this run's own page
    assert browser.find_elements(By.TAG_NAME, "table"), "the Data Docs page shows no table"
    assert "Great Expectations" in browser.title
    _shot(browser, "05-data-docs-of-the-failed-run")


def test_the_reports_app_refuses_a_browser_that_is_not_logged_in(stack):
    import httpx

    api = stack["api"]
    href = api.extra_links(stack["dag"], next(r["dag_run_id"] for r in stack["runs"]
                                              if r["state"] == "failed"), "quality.spc_gate")["extra_links"]["Data Docs"]
    assert httpx.get(href).status_code == 401
    assert shutil.which("chromium") or Path(CHROMIUM).exists()

"""Headless Chromium on a running stack's Airflow UI (Debian's ``chromium`` and ``chromium-driver``, driven
through Selenium): log in, wait for text, save screenshots under ``test-artifacts/ui/`` (git-ignored)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import REPO, require_service

ARTIFACTS = REPO / "test-artifacts" / "ui"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--window-size=1600,1000")


#: Chromium resolves no host but 127.0.0.1: a page that needs the internet fails as on a closed network.
CLOSED_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


def start_browser(extra_flags: tuple[str, ...] = ()):
    """A headless Chromium session (the caller quits it).

    :param extra_flags: more command-line flags, e.g. :data:`CLOSED_NETWORK`.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    require_service(Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(),
                    "chromium and chromium-driver (`make browser`)")
    options = webdriver.ChromeOptions()
    for flag in FLAGS + tuple(extra_flags):
        options.add_argument(flag)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    return driver


def log_in(driver, base_url: str, username: str, password: str) -> None:
    """Through the SimpleAuthManager login form, as a person would (nothing to do when already logged in)."""
    from selenium.webdriver.common.by import By

    driver.get(base_url + "/")
    deadline = time.monotonic() + 90
    while not driver.find_elements(By.NAME, "username"):
        if "Dags" in _body_text(driver):
            return  # the session's cookie is still valid
        if time.monotonic() > deadline:
            raise AssertionError(f"no login form and no UI on {driver.current_url}")
        time.sleep(1)
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_text(driver, "Dags")


def wait_text(driver, *texts: str, timeout: float = 90) -> str:
    """The page's visible text once it shows every one of ``texts``."""
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        body = _body_text(driver)
        if all(t in body for t in texts):
            return body
        time.sleep(1)
    raise AssertionError(f"{texts} not visible on {driver.current_url}; page shows: {body[:2000]}")


def _body_text(driver) -> str:
    """The page's visible text; empty while the browser is between two documents (a form just submitted: the
    new page has no body yet, or the one read was replaced while it was read)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    try:
        return driver.find_element("tag name", "body").text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def answer_required_action(driver, url: str, option: str, *, comment: str | None = None, shots: str = "") -> str:
    """Open a Required Action, fill its comment, click ``option``; the page text once the answer is recorded.

    :param shots: screenshot name prefix (``<prefix>-asked`` and ``<prefix>-answered``), none when empty.
    """
    from selenium.webdriver.common.by import By

    driver.get(url)
    wait_text(driver, option, "Awaiting Input")
    if comment is not None:
        driver.find_element(By.NAME, "element_comment").send_keys(comment)
    if shots:
        shot(driver, f"{shots}-asked")
    driver.find_element(By.XPATH, f"//button[normalize-space()='{option}']").click()
    page = wait_text(driver, "Response received")
    if shots:
        shot(driver, f"{shots}-answered")
    return page


def shot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path

"""A real gate run's Data Docs in headless Chromium with the network closed (no host resolves but 127.0.0.1):
as GX wrote them (unstyled, the index's table empty) and as the ``/dataops`` app serves them (styled, tables
filled, icons drawn, nothing loaded from elsewhere)."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlparse

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dataops.quality.gate import run_gate
from dataops.warehouse import WarehouseLocation
from dataops_airflow.ui.app import create_app
from tests.unit.quality import synth

# Measured once the page has loaded and its fonts are settled.
PROBE = """
const done = arguments[arguments.length - 1];
document.fonts.ready.then(() => {
  const style = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
  const icon = document.querySelector('i.fas');
  const rows = [...document.querySelectorAll('tbody tr')].filter(tr => tr.offsetParent && tr.innerText.trim());
  done({
    navbar_display: style('nav.navbar', 'display'),
    padding_left: style('.container-fluid', 'paddingLeft'),
    sheets: [...document.styleSheets].filter(s => s.href).map(s => {
      try { return [s.href, s.cssRules.length]; } catch (e) { return [s.href, -1]; } }),
    tables: document.querySelectorAll('table[data-toggle=table]').length,
    unwrapped: [...document.querySelectorAll('table[data-toggle=table]')].filter(t => !t.closest('.bootstrap-table')).length,
    bootstrap_tables: document.querySelectorAll('.bootstrap-table').length,
    search_boxes: document.querySelectorAll('.bootstrap-table .search input').length,
    rows: rows.map(tr => tr.innerText.replace(/\\s+/g, ' ').trim()),
    icon_fonts: [...document.fonts].filter(f => f.family.includes('Font Awesome') && f.status === 'loaded').length,
    icon_width: icon ? icon.getBoundingClientRect().width : null,
    scripts: [typeof window.jQuery, typeof (window.jQuery && jQuery.fn.bootstrapTable), typeof window.vegaEmbed],
    logo_width: document.querySelector('.navbar-brand img').naturalWidth,
    resources: performance.getEntriesByType('resource').map(e => e.name),
  });
});
"""


def _data_docs(tmp_path) -> tuple[str, str]:
    """A real gate run (GX checkpoint, Data Docs) on one batch: the reports folder and the run's page in it."""
    location = WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb")
    synth.create(location)
    synth.add_batch(location, "2026-02-23", 800)
    result = run_gate(location, "transactions", "2026-02-23", run_id="scheduled__2026-02-23")
    return str(tmp_path / "reports"), result.paths["data_docs"].split("/dataops/reports/", 1)[1]


def _serve(app) -> tuple[Any, threading.Thread, str]:
    """uvicorn serving ``app`` on a free port of 127.0.0.1: the server, its thread and its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


def _probe(driver, url: str) -> dict:
    driver.get(url)
    return driver.execute_async_script(PROBE)


def _offsite(probe: dict) -> list[str]:
    return [url for url in probe["resources"] if urlparse(url).hostname != "127.0.0.1"]


def _assert_unstyled_as_gx_wrote_it(raw: dict, index: dict) -> None:
    """The same measures on the files as GX wrote them: they fail without the internet."""
    assert raw["navbar_display"] == "block" and raw["padding_left"] == "0px"
    assert len(raw["sheets"]) == 6 and all(rules == -1 for _, rules in raw["sheets"])  # CDN: not loaded
    assert raw["bootstrap_tables"] == raw["search_boxes"] == raw["icon_fonts"] == 0
    assert raw["unwrapped"] == raw["tables"] > 5  # no table made a bootstrap-table
    assert raw["icon_width"] == 0 and raw["logo_width"] == 0 and raw["scripts"] == ["undefined"] * 3
    assert len(_offsite(raw)) == 16  # the browser tried 15 CDN files and GX's logo
    assert index["rows"] == []  # the site index fills its table from a script that never came


def _assert_styled_and_filled(page: dict, index: dict, base: str) -> None:
    assert page["navbar_display"] == "flex" and page["padding_left"] == "48px"  # Bootstrap's .navbar, .pl-5
    assert len(page["sheets"]) == 6
    assert all(href.startswith(base) and rules > 0 for href, rules in page["sheets"]), page["sheets"]
    # every table is inside a bootstrap-table (3 nested in an outer one's cells share its wrapper), with search
    assert page["unwrapped"] == 0 and page["bootstrap_tables"] > 5 and page["search_boxes"] > 3
    assert any("is never empty" in row for row in page["rows"]), page["rows"][:10]
    assert page["icon_fonts"] >= 1 and page["icon_width"] > 8  # the check-circle glyph, from the woff2
    assert page["logo_width"] > 100 and page["scripts"] == ["function"] * 3
    assert _offsite(page) == [] and len(page["resources"]) >= 17, page["resources"]
    assert any("transactions_contract" in row for row in index["rows"]), index["rows"]
    assert _offsite(index) == []


def test_data_docs_render_styled_with_the_network_closed(tmp_path, monkeypatch, auth_manager):
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    from tests.e2e.browser import CLOSED_NETWORK, shot, start_browser

    monkeypatch.setenv("DATAOPS_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://127.0.0.1:8080")
    reports, page = _data_docs(tmp_path)
    parent = FastAPI()
    parent.mount("/dataops", create_app())
    parent.mount("/as-written", StaticFiles(directory=reports))  # GX's files untouched, for comparison
    server, thread, base = _serve(parent)
    driver = start_browser((CLOSED_NETWORK,))
    try:
        driver.set_script_timeout(30)
        raw = _probe(driver, f"{base}/as-written/{page}")
        shot(driver, "data-docs-offline-before")
        _assert_unstyled_as_gx_wrote_it(raw, _probe(driver, f"{base}/as-written/data_docs/index.html"))

        driver.get(f"{base}/dataops/")
        assert "401" in driver.title
        token = auth_manager.generate_jwt(SimpleAuthManagerUser(username="ana", role="viewer"))
        driver.add_cookie({"name": "_token", "value": token, "path": "/"})
        served = _probe(driver, f"{base}/dataops/reports/{page}")
        assert shot(driver, "data-docs-offline").stat().st_size > 50_000
        index = _probe(driver, f"{base}/dataops/reports/data_docs/index.html")
        shot(driver, "data-docs-offline-index")
        _assert_styled_and_filled(served, index, base)
    finally:
        driver.quit()
        server.should_exit = True
        thread.join(10)

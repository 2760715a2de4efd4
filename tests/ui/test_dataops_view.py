"""The DataOps view (``/dataops/view``) on the real auth manager's tokens, the real Airflow connections
(``warehouse_default``: a DuckDB file the real gate filled; ``registry_default`` + ``aws_default``: SQLite and
the session's S3 endpoint) and, once, in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dataops.weblinks import triage_url
from dataops_airflow.ui.app import create_app
from tests.unit.overview.history import KNOWN_BAD_DAY, OPEN, OVERRIDES, build_history, fill_registry

VIEW = "/dataops/view"
SAMPLE = {"dataset": "transactions", "metric": "amount_log_mean", "model": "transactions",
          "dag_id": "value_pipeline_transactions", "run_id": f"scheduled__{OPEN}T00:00:00+00:00"}


@pytest.fixture(scope="module")
def history_file(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", OVERRIDES)
        mp.setenv("DATAOPS_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))
        return build_history(tmp_path_factory.mktemp("history")).path


@pytest.fixture
def stack(history_file, s3_endpoint, bucket, tmp_path, monkeypatch):
    """The Airflow connections of this test's warehouse copy and registry; the registry filled."""
    import boto3

    from dataops.devstack.settings import connection_env
    from dataops.registry import ModelRegistry

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(history_file, warehouse)
    env = connection_env(s3_endpoint, 2525, warehouse, tmp_path / "registry.sqlite")
    for key in ("AIRFLOW_CONN_REGISTRY_DEFAULT", "AIRFLOW_CONN_AWS_DEFAULT", "AIRFLOW_CONN_WAREHOUSE_DEFAULT"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setenv("DATAOPS_ARTIFACT_BUCKET", bucket)
    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", OVERRIDES)
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://ui.example:8080")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    registry = ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'registry.sqlite'}"), s3, bucket=bucket)
    fill_registry(registry)
    return registry


def _parent() -> FastAPI:
    """The app mounted under ``/dataops`` of a parent app, as Airflow's API server mounts plugin apps."""
    parent = FastAPI()
    parent.mount("/dataops", create_app())
    return parent


@pytest.fixture
def client(stack):
    return TestClient(_parent())


def _bearer(auth_manager, username: str, role: str | None) -> dict[str, str]:
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return {"Authorization": f"Bearer {auth_manager.generate_jwt(SimpleAuthManagerUser(username=username, role=role))}"}


@pytest.fixture
def admin(auth_manager):
    return _bearer(auth_manager, "alice", "admin")


@pytest.fixture
def viewer(auth_manager):
    return _bearer(auth_manager, "victor", "viewer")


def _view_routes() -> list[tuple[str, str]]:
    """(method, concrete path) of every route of the view, path parameters filled with sample values."""
    out = []
    for route in create_app().routes:
        path = getattr(route, "path", "")
        if path.startswith("/view"):
            concrete = re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], path)
            out += [(method, "/dataops" + concrete) for method in sorted(route.methods)]
    return out


def test_every_route_of_the_view_refuses_anonymous_callers(client, auth_manager):
    routes = _view_routes()
    assert {m for m, _ in routes} == {"GET", "POST"} and len(routes) == 5, routes
    no_role = _bearer(auth_manager, "nobody", None)
    for method, path in routes:
        response = client.request(method, path, headers={"Origin": "http://testserver"},
                                  data={"reason": "anonymous try", "confirm": "yes"} if method == "POST" else None)
        assert response.status_code == 401, (method, path, response.status_code)
        assert client.request(method, path, headers=no_role).status_code == 403, (method, path)
    assert client.get(f"{VIEW}/", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 403


def test_overview_shows_tiles_incidents_and_the_registry(client, viewer):
    page = client.get(f"{VIEW}/", headers=viewer)
    assert page.status_code == 200, page.text
    html = page.text
    assert "signed in as <strong>victor</strong>" in html
    assert 'data-metric="amount_log_mean" data-state="ok"' in html  # latest batch: back in control
    assert 'class="incident" data-dataset="transactions" data-batch="2026-02-23"' in html
    assert f'href="{triage_url("transactions", OPEN)}" target="_top"' in html
    assert 'champion <strong class="champion">v2</strong>' in html and '<strong class="shadow">v3</strong>' in html
    assert "/dataops/models/transactions/versions/v2/report?decision_id=d2" in html
    assert html.count('class="move"') == 3 and "beats v1 on PR-AUC" in html
    assert "<form" not in html and "Rolling back needs permission" in html  # a viewer gets no rollback form
    as_of = client.get(f"{VIEW}/?as_of={KNOWN_BAD_DAY}", headers=viewer).text
    assert 'data-metric="amount_log_mean" data-state="excluded"' in as_of


def test_an_unreadable_warehouse_is_reported_in_its_sections_only(client, viewer, tmp_path, monkeypatch):
    broken = tmp_path / "not-a-database.duckdb"
    broken.write_text("this is not a DuckDB file")
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_DEFAULT", json.dumps({"conn_type": "duckdb", "host": str(broken)}))
    page = client.get(f"{VIEW}/", headers=viewer)
    assert page.status_code == 200, page.text
    assert page.text.count("Warehouse cannot read it now") == 3  # the tiles, the incidents, who decided
    assert 'champion <strong class="champion">v2</strong>' in page.text  # the registry still shows


def test_chart_page_draws_limits_zones_flags_and_hollow_points(client, viewer):
    page = client.get(f"{VIEW}/datasets/transactions/metrics/amount_log_mean", headers=viewer)
    assert page.status_code == 200, page.text
    svg = page.text[page.text.index("<svg"):page.text.index("</svg>")]
    for css in ("zone zone-A", "zone zone-B", "zone zone-C", "limit ucl", "limit lcl", "centre"):
        assert f'class="{css}"' in svg, css
    assert svg.count('class="point ') == 26
    assert svg.count(" hollow") == 3 and svg.count('class="point critical hollow"') == 3
    assert re.search(rf"<title>{OPEN}: [0-9.]+ \(critical; Nelson 1; out of control\)</title>", svg)
    assert '<text class="point-label"' in svg and "<script" not in page.text
    assert client.get(f"{VIEW}/datasets/nope/metrics/amount_log_mean", headers=viewer).status_code == 404
    assert client.get(f"{VIEW}/datasets/transactions/metrics/nope", headers=viewer).status_code == 404


def test_run_page_shows_the_batch_of_a_value_pipeline_run(client, viewer):
    page = client.get(f"{VIEW}/runs/{SAMPLE['dag_id']}/{SAMPLE['run_id']}", headers=viewer)
    assert page.status_code == 200, page.text
    assert "transactions batch 2026-02-23" in page.text
    assert 'data-metric="amount_log_mean" data-state="critical"' in page.text
    assert 'class="control-chart"' in page.text  # the flagged metrics' charts
    other = client.get(f"{VIEW}/runs/model_rollback/manual__2026-02-23T00:00:00+00:00", headers=viewer)
    assert other.status_code == 404 and "value_pipeline_&lt;dataset&gt; runs only" in other.text


def test_run_page_reads_the_batch_date_of_the_run_from_the_metadata_database(client, viewer):
    """A manual run's id carries no date: its data interval (in Airflow's database) says which batch it is."""
    from datetime import UTC, datetime

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunType

    start = datetime(2026, 2, 25, tzinfo=UTC)
    with create_session() as session:
        session.query(DagRun).filter(DagRun.run_id == "manual_rerun").delete()
        session.add(DagRun(dag_id=SAMPLE["dag_id"], run_id="manual_rerun", run_type=DagRunType.MANUAL,
                           logical_date=start, data_interval=(start, datetime(2026, 2, 26, tzinfo=UTC)),
                           run_after=datetime(2026, 3, 1, tzinfo=UTC), state=DagRunState.SUCCESS))
    page = client.get(f"{VIEW}/runs/{SAMPLE['dag_id']}/manual_rerun", headers=viewer)
    assert page.status_code == 200, page.text
    assert "transactions batch 2026-02-25" in page.text
    assert 'data-metric="amount_log_mean" data-state="excluded"' in page.text


def _rollback(client, headers, reason="v2 flags every second transaction", confirm="yes", expected="v2",
              origin: str | None = "http://testserver"):
    extra = {"Origin": origin} if origin else {}
    return client.post(f"{VIEW}/models/transactions/rollback", headers={**headers, **extra},
                       data={"reason": reason, "confirm": confirm, "expected_version": expected})


def test_admin_rolls_back_and_the_history_records_the_logged_in_user(client, admin, stack):
    form = client.get(f"{VIEW}/", headers=admin).text
    assert 'action="/dataops/view/models/transactions/rollback"' in form and 'name="confirm"' in form
    response = _rollback(client, admin)
    assert response.status_code == 200 and [r.status_code for r in response.history] == [303], response.text
    assert str(response.url) == "http://testserver/dataops/view/?rolled_back=transactions#model-transactions"
    assert ("Champion of transactions rolled back from v2 to v1 by alice: v2 flags every second transaction"
            in response.text)
    assert stack.get_alias_version("champion") == "v1"
    last = stack.history("champion")[-1]
    assert (last["action"], last["actor"], last["reason"]) == ("rollback", "alice", "v2 flags every second transaction")
    again = _rollback(client, admin, expected="v1")
    assert again.status_code == 409 and "nothing to roll back" in again.text
    assert stack.get_alias_version("champion") == "v1"
    reload = client.get(f"{VIEW}/models/transactions/rollback", headers=admin, follow_redirects=False)
    assert reload.status_code == 303 and reload.headers["location"] == "/dataops/view/#model-transactions"


def test_rollback_is_refused_to_viewers_cross_site_posts_and_bad_forms(client, admin, viewer, stack):
    refused = _rollback(client, viewer)
    assert refused.status_code == 403 and "may not trigger the model_rollback DAG" in refused.text
    for origin in ("http://evil.example", "null", None):
        cross = _rollback(client, admin, origin=origin)
        assert cross.status_code == 403 and "Cross-site request refused" in cross.text, origin
    referer = client.post(f"{VIEW}/models/transactions/rollback", data={"reason": "x" * 9, "confirm": "yes"},
                          headers={**admin, "Referer": "http://evil.example/page"})
    assert referer.status_code == 403
    assert _rollback(client, admin, reason="bad").status_code == 400
    assert _rollback(client, admin, confirm="").status_code == 400
    stale = _rollback(client, admin, expected="v1")
    assert stale.status_code == 409 and "changed since the page was shown" in stale.text
    assert client.post(f"{VIEW}/models/nope/rollback", headers={**admin, "Origin": "http://testserver"},
                       data={"reason": "x" * 9, "confirm": "yes"}).status_code == 404
    assert stack.get_alias_version("champion") == "v2" and len(stack.history("champion")) == 2


def test_the_plugin_registers_the_nav_page_and_the_run_tab():
    from airflow.api_fastapi.core_api.datamodels.plugins import ExternalViewResponse
    from dataops_plugin import DataOpsPlugin

    views = [ExternalViewResponse.model_validate(v) for v in DataOpsPlugin.external_views]
    assert [(v.destination, v.href, v.url_route) for v in views] == [
        ("nav", "/dataops/view/", "dataops"),
        ("dag_run", "/dataops/view/runs/{DAG_ID}/{RUN_ID}", "dataops-batch")]


def test_headless_chromium_renders_the_view(stack, auth_manager):
    """Served by uvicorn on 127.0.0.1, logged in with the UI's ``_token`` cookie; screenshots in test-artifacts;
    the rollback form submitted by the browser."""
    import uvicorn
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    from tests.e2e.browser import shot, start_browser, wait_text

    started = time.monotonic()
    server = uvicorn.Server(uvicorn.Config(_parent(), host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    driver = start_browser()
    try:
        driver.set_window_size(1400, 1800)
        driver.get(f"{base}{VIEW}/")
        assert "401" in driver.title
        token = auth_manager.generate_jwt(SimpleAuthManagerUser(username="alice", role="admin"))
        driver.add_cookie({"name": "_token", "value": token, "path": "/"})
        driver.get(f"{base}{VIEW}/")
        text = wait_text(driver, "Open incidents", "Alias history", "signed in as alice", timeout=20)
        assert "2026-02-23" in text and "Roll back to v1" in text
        assert shot(driver, "dataops-view").stat().st_size > 10_000
        driver.find_element("css selector", '[data-metric="amount_log_mean"]').click()
        wait_text(driver, "transactions · amount_log_mean", "Flagged, excluded and labelled batches", timeout=20)
        circles = driver.find_elements("css selector", "svg.control-chart circle.point")
        assert len(circles) == 26 and circles[0].size["width"] > 0
        assert shot(driver, "dataops-chart").stat().st_size > 10_000
        driver.get(f"{base}{VIEW}/")  # the rollback form, posted by the browser itself (its own Origin header)
        wait_text(driver, "Roll back to v1", timeout=20)
        driver.find_element("name", "reason").send_keys("v2 flags every second transaction")
        driver.find_element("name", "confirm").click()
        driver.find_element("css selector", "form.rollback button").click()
        wait_text(driver, "Champion of transactions rolled back from v2 to v1 by alice", timeout=20)
        assert stack.get_alias_version("champion") == "v1"
    finally:
        driver.quit()
        server.should_exit = True
        thread.join(10)
    assert time.monotonic() - started < 30


PAYLOAD_REASON = '<script>alert(1)</script> "><img src=x onerror=alert(1)> {{7*7}} [x](javascript:alert(1))'


def test_values_from_forms_users_and_decisions_are_shown_as_text(client, auth_manager, viewer, stack):
    """A rollback reason, a login and a decision's reasons (slices name the data's values) full of markup:
    every page shows them escaped, none is live."""
    stack.record_decision(challenger_version="v3", champion_version="v2", promote=False, actor="innovation_pipeline",
                          reasons=["slice channel=<script>alert(1)</script> regresses",
                                   'slice country="><img src=x onerror=alert(1)> ok'], metric="pr_auc")
    hostile = _bearer(auth_manager, '<b onmouseover="alert(1)">eve</b>', "admin")
    done = _rollback(client, hostile, reason=PAYLOAD_REASON)
    assert done.status_code == 200 and stack.history("champion")[-1]["reason"] == PAYLOAD_REASON
    refused = _rollback(client, hostile, reason="<i>stale</i> form", expected="v2")  # refused: the page says why
    pages = [done.text, refused.text, client.get(f"{VIEW}/", headers=viewer).text,
             client.get(f"{VIEW}/?rolled_back={quote_payload()}", headers=viewer).text,
             client.get(f"{VIEW}/datasets/transactions/metrics/{quote_payload()}", headers=viewer).text]
    for page in pages:
        for live in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<b onmouseover="alert(1)">'):
            assert live not in page, live
    overview = pages[2]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in overview and "&lt;img src=x onerror=alert(1)&gt;" in overview
    assert "&lt;b onmouseover=&#34;alert(1)&#34;&gt;eve&lt;/b&gt;" in overview  # the login, as text


def quote_payload() -> str:
    from urllib.parse import quote

    return quote('<script>alert(1)</script>', safe="")

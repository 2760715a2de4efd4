"""The vendored Data Docs assets through the ``/dataops`` app (Airflow's real auth manager and tokens): served
to a logged-in user only, nothing outside their folder, and served Data Docs pages pointed at them."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dataops.quality.docs_assets import offsite_resources
from dataops_airflow.ui.app import create_app
from dataops_airflow.ui.assets import VENDOR_DIR
from tests.unit.quality.gx_pages import gx_pages

VENDOR = "/dataops/assets/vendor"
BOOTSTRAP = "bootstrap@4.3.1/dist/css/bootstrap.min.css"
PAGE = "data_docs/validations/tx.c/run-1/20260223T000000Z/batch.html"


@pytest.fixture
def client(reports):
    parent = FastAPI()
    parent.mount("/dataops", create_app())
    return TestClient(parent)


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("path", "media_type"), [
    (BOOTSTRAP, "text/css"),
    ("jquery@3.7.1/dist/jquery.min.js", "text/javascript"),
    ("@fortawesome/fontawesome-free@6.6.0/webfonts/fa-solid-900.woff2", "font/woff2"),
    ("%40fortawesome/fontawesome-free%406.6.0/css/all.min.css", "text/css"),
    ("vega@5.33.1/LICENSE", "text/plain"),
])
def test_a_logged_in_user_gets_a_vendored_file_cacheable(client, auth, path, media_type):
    response = client.get(f"{VENDOR}/{path}", headers=auth)
    assert response.status_code == 200, response.text
    assert response.content == (VENDOR_DIR / path.replace("%40", "@")).read_bytes()
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "max-age=31536000" in response.headers["cache-control"]


def test_an_anonymous_caller_gets_no_asset(client, auth_manager):
    assert client.get(f"{VENDOR}/{BOOTSTRAP}").status_code == 401
    assert client.get(f"{VENDOR}/{BOOTSTRAP}", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 403


@pytest.mark.parametrize("path", [
    "../assets.py",
    "%2e%2e/assets.py",
    "%2E%2E%2F..%2Fauth.py",
    "%252e%252e%252fassets.py",
    "bootstrap@4.3.1/%2e%2e/%2e%2e/assets.py",
    "..%5cassets.py",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "bootstrap@4.3.1/dist/css/bootstrap.min.css.map",
    "bootstrap@4.3.1",
])
def test_nothing_outside_the_vendored_files_is_served(client, auth, path):
    response = client.get(f"{VENDOR}/{path}", headers=auth)
    assert response.status_code == 404, (path, response.status_code)
    assert "require_ui_user" not in response.text and "root:" not in response.text


def test_a_served_data_docs_page_loads_everything_from_the_app(reports, client, auth):
    page = reports / PAGE
    page.parent.mkdir(parents=True)
    original = gx_pages()["ValidationResultsPageRenderer"]
    page.write_text(original)
    assert len(offsite_resources(original)) == 17

    response = client.get(f"/dataops/reports/{PAGE}", headers=auth)
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert offsite_resources(response.text) == []
    local = sorted(set(re.findall(rf'(?:src|href)="({VENDOR}/[^"]+)"', response.text)
                       + re.findall(rf"url\('({VENDOR}/[^']+)'\)", response.text)))
    assert len(local) == 16  # 15 CDN files and GX's logo (its dark-mode URL falls back to the same file)
    for url in local:
        asset = client.get(url, headers=auth)
        assert asset.status_code == 200 and asset.content, url


def test_other_report_files_are_served_as_they_are(reports, client, auth):
    data = reports / "quality" / "transactions" / "2026-02-23.batch.json"
    data.parent.mkdir(parents=True)
    data.write_text('{"link": "https://code.jquery.com/jquery-3.7.1.min.js"}')
    response = client.get("/dataops/reports/quality/transactions/2026-02-23.batch.json", headers=auth)
    assert response.status_code == 200 and response.content == data.read_bytes()


def test_raw_dot_dot_in_the_request_line_is_refused(client, auth):
    """A client that does not normalise ``..`` (curl --path-as-is) gets 404, not the plugin's source."""
    import http.client
    import threading

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(client.app, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        pass
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.servers[0].sockets[0].getsockname()[1], timeout=10)
        conn.request("GET", f"{VENDOR}/bootstrap@4.3.1/../../assets.py", headers=auth)
        response = conn.getresponse()
        assert response.status == 404 and b"VENDOR_DIR" not in response.read()
    finally:
        server.should_exit = True
        thread.join(10)

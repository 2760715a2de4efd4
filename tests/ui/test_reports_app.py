"""The ``/dataops`` app: refused without a valid login, files only from inside the reports folder, reports
from the registry's S3 store."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dataops.weblinks import evaluation_report_url, reports_url
from dataops_airflow.ui.app import create_app

PAGE = "data_docs/validations/transactions_spc/run-1/page.html"


def _client(app) -> TestClient:
    """The app mounted under ``/dataops`` of a parent app, as Airflow's API server mounts plugin apps."""
    parent = FastAPI()
    parent.mount("/dataops", app)
    return TestClient(parent)


@pytest.fixture
def client(reports):
    return _client(create_app())


def test_anonymous_and_invalid_callers_are_refused(client, auth_manager):
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    assert client.get(f"/dataops/reports/{PAGE}").status_code == 401
    assert client.get("/dataops/models/transactions/versions/v1/report").status_code == 401
    assert client.get("/dataops/").status_code == 401
    assert client.get(f"/dataops/reports/{PAGE}", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 403
    no_role = auth_manager.generate_jwt(SimpleAuthManagerUser(username="nobody", role=None))
    assert client.get(f"/dataops/reports/{PAGE}", headers={"Authorization": f"Bearer {no_role}"}).status_code == 403


def test_a_logged_in_user_gets_the_page_by_bearer_or_by_the_ui_cookie(client, token):
    by_header = client.get(f"/dataops/reports/{PAGE}", headers={"Authorization": f"Bearer {token}"})
    assert by_header.status_code == 200, by_header.text
    assert "<title>Validation run-1</title>" in by_header.text
    assert by_header.headers["content-type"].startswith("text/html")
    client.cookies.set("_token", token)
    assert client.get(f"/dataops/reports/{PAGE}").status_code == 200
    assert "Data Docs" in client.get("/dataops/").text


@pytest.mark.parametrize("path", [
    "../secret.txt",
    "%2e%2e/secret.txt",
    "%2E%2E%2Fsecret.txt",
    "%252e%252e%252fsecret.txt",
    "data_docs/%2e%2e/%2e%2e/secret.txt",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "..%5csecret.txt",
    "link/secret.txt",
    "data_docs/missing.html",
])
def test_nothing_outside_the_reports_folder_is_served(reports, client, token, path):
    (reports / "link").symlink_to(reports.parent)  # a symlink inside pointing outside
    response = client.get(f"/dataops/reports/{path}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and "top secret" not in response.text, response.text


def test_raw_dot_dot_in_the_request_line_is_refused(reports, client, token):
    """A client that does not normalise ``..`` (curl --path-as-is) gets 404, not the file."""
    import http.client
    import threading

    import uvicorn

    parent = client.app
    config = uvicorn.Config(parent, host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        pass
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/dataops/reports/../../secret.txt", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        body = response.read().decode()
        assert response.status == 404 and "top secret" not in body
    finally:
        server.should_exit = True
        thread.join(10)


def test_reports_url_turns_a_data_docs_file_into_the_app_link(reports):
    page = reports / PAGE
    assert reports_url(page.as_uri()) == f"http://ui.example:8080/dataops/reports/{PAGE}"
    assert reports_url(str(page)) == f"http://ui.example:8080/dataops/reports/{PAGE}"
    outside = reports.parent / "secret.txt"
    assert reports_url(outside.as_uri()) == outside.as_uri()  # not served: left as it is
    assert reports_url("http://elsewhere/x.html") == "http://elsewhere/x.html"


@pytest.fixture
def registry(s3, bucket, tmp_path):
    from dataops.registry import ModelRegistry

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'registry.sqlite'}")
    return ModelRegistry(engine, s3, model_name="transactions", bucket=bucket)


def _decide(registry, version: str, html: str) -> str:
    decision_id = uuid.uuid4().hex
    key = f"{registry.prefix(version)}report/{decision_id}/report.html"
    registry.store.ensure_bucket()
    registry.store.put(key, html.encode())
    return registry.record_decision(challenger_version=version, champion_version=None, promote=True,
                                    reasons=["first model"], actor="test", report_uri=registry.store.uri(key),
                                    decision_id=decision_id)


def test_evaluation_report_is_served_from_the_registry_s3(reports, registry, token):
    first = _decide(registry, "v2", "<html><head><title>Evaluation v2 first</title></head></html>")
    _decide(registry, "v2", "<html><head><title>Evaluation v2 latest</title></head></html>")
    client = _client(create_app(registry_factory=lambda name: registry))
    auth = {"Authorization": f"Bearer {token}"}
    latest = client.get("/dataops/models/transactions/versions/v2/report", headers=auth)
    assert latest.status_code == 200 and "Evaluation v2 latest" in latest.text
    assert latest.headers["content-type"].startswith("text/html")
    url = evaluation_report_url("transactions", "v2", first)
    assert url == f"http://ui.example:8080/dataops/models/transactions/versions/v2/report?decision_id={first}"
    by_id = client.get(url.removeprefix("http://ui.example:8080"), headers=auth)
    assert "Evaluation v2 first" in by_id.text
    assert client.get("/dataops/models/transactions/versions/v9/report", headers=auth).status_code == 404
    bad_file = client.get("/dataops/models/transactions/versions/v2/report?file=../../v1/model.txt", headers=auth)
    assert bad_file.status_code == 404
    assert client.get("/dataops/models/transactions/versions/v2/report", headers={}).status_code == 401


def test_evaluation_report_through_the_airflow_connections(reports, s3_endpoint, bucket, token, tmp_path,
                                                          monkeypatch):
    """The default registry factory: RegistryHook on ``registry_default`` and ``aws_default``."""
    import boto3

    from dataops.devstack.settings import connection_env
    from dataops.registry import ModelRegistry

    env = connection_env(s3_endpoint, 2525, tmp_path / "warehouse.duckdb", tmp_path / "registry.sqlite")
    for key in ("AIRFLOW_CONN_REGISTRY_DEFAULT", "AIRFLOW_CONN_AWS_DEFAULT"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.setenv("DATAOPS_ARTIFACT_BUCKET", bucket)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    registry = ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'registry.sqlite'}"), s3, bucket=bucket)
    decision = _decide(registry, "v1", "<html><head><title>Evaluation v1</title></head></html>")
    response = _client(create_app()).get(f"/dataops/models/transactions/versions/v1/report?decision_id={decision}",
                                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and "Evaluation v1" in response.text, response.text
    assert os.environ["DATAOPS_ARTIFACT_BUCKET"] == bucket

"""The gate's Data Docs link: one page per run (a later run keeps the earlier page), an HTTP link on the one
public base URL in the result, the failure message and the alert, served by the ``/dataops`` app."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI
from fastapi.testclient import TestClient

from dataops.quality.gate import run_gate
from dataops.warehouse import WarehouseLocation
from dataops.weblinks import resolve_report_file
from dataops_airflow.ui.app import create_app
from tests.unit.quality import synth

BASE = "http://ui.example:8080"


def test_each_run_keeps_its_data_docs_page_linked_over_http(tmp_path, monkeypatch, token):
    monkeypatch.setenv("DATAOPS_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", BASE)
    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", '{"min_baseline_points": 14}')
    location = WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb")
    synth.create(location)
    for day in synth.fill(location, date(2026, 2, 2), 21):
        run_gate(location, "transactions", day, run_gx=False)
    synth.add_batch(location, "2026-02-23", 800, amount_factor=1.5)
    alerts = []
    results = [run_gate(location, "transactions", "2026-02-23", run_id=run_id,
                        alert=lambda **kw: alerts.append(kw) or {"sent": True})
               for run_id in ("scheduled__2026-02-23", "manual__rerun")]

    links = [r.paths["data_docs"] for r in results]
    prefix = f"{BASE}/dataops/reports/data_docs/validations/"
    assert all(link.startswith(prefix) for link in links), links
    assert "/scheduled__2026-02-23/" in links[0] and "/manual__rerun/" in links[1]
    pages = [resolve_report_file(link.removeprefix(f"{BASE}/dataops/reports/")) for link in links]
    assert pages[0] != pages[1] and all(p.exists() for p in pages)  # the second run kept the first page
    assert [a["links"]["data_docs"] for a in alerts] == links  # the e-mail links the same page
    assert f"Data Docs: {links[0]}" in results[0].failure_message()

    parent = FastAPI()
    parent.mount("/dataops", create_app())
    client = TestClient(parent)
    served = client.get(links[0].removeprefix(BASE), headers={"Authorization": f"Bearer {token}"})
    assert served.status_code == 200 and "Great Expectations" in served.text and "<table" in served.text
    assert client.get(links[0].removeprefix(BASE)).status_code == 401


def test_with_a_reports_bucket_any_worker_s_page_is_served_from_s3(tmp_path, monkeypatch, token, s3_endpoint,
                                                                     bucket):
    """Production: the gate operator publishes what its run wrote to ``DATAOPS_REPORTS_BUCKET`` through
    ``aws_default``; the app reads the bucket, so the page is served after the worker's folder is gone."""
    import shutil
    import time

    from dataops.devstack.settings import connection_env
    from dataops_airflow.operators.quality import QualityGateOperator

    worker_folder = tmp_path / "worker-1" / "reports"
    monkeypatch.setenv("DATAOPS_REPORTS_DIR", str(worker_folder))
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", BASE)
    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", '{"min_baseline_points": 14}')
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", connection_env(s3_endpoint, 2525, tmp_path / "w.duckdb")[
        "AIRFLOW_CONN_AWS_DEFAULT"])
    monkeypatch.setenv("DATAOPS_REPORTS_BUCKET", bucket)
    location = WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb")
    synth.create(location)
    for day in synth.fill(location, date(2026, 2, 2), 21):
        run_gate(location, "transactions", day, run_gx=False)
    synth.add_batch(location, "2026-02-23", 800, amount_factor=1.5)
    gate = QualityGateOperator(task_id="spc_gate", dataset="transactions", batch_date="2026-02-23")
    published = []
    for run_id in ("scheduled__2026-02-23", "manual__rerun"):
        time.sleep(1.1)  # the operator's one-second margin for file times must not reach the previous run
        started = time.time() - 1
        link = run_gate(location, "transactions", "2026-02-23", run_id=run_id).paths["data_docs"]
        gate._publish_reports(started)
        published.append(sorted(p.relative_to(worker_folder).as_posix() for p in worker_folder.rglob("*")
                                if p.is_file() and p.stat().st_mtime >= started))
    shutil.rmtree(worker_folder)  # the API server does not see the worker's disk

    parent = FastAPI()
    parent.mount("/dataops", create_app())
    served = TestClient(parent).get(link.removeprefix(BASE), headers={"Authorization": f"Bearer {token}"})
    assert served.status_code == 200 and "Great Expectations" in served.text and "manual__rerun" in served.text
    assert served.headers["content-type"].startswith("text/html")
    keys = {o["Key"] for o in boto3_client(s3_endpoint).list_objects_v2(Bucket=bucket, MaxKeys=1000)["Contents"]}
    assert {f"reports/{p}" for p in published[0] + published[1]} == keys
    # The second run publishes only what it wrote: its own pages, the index and the gate result, not the
    # first run's page again.
    assert not [p for p in published[1] if "scheduled__2026-02-23" in p], published[1]


def boto3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")

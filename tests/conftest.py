"""Shared fixtures: real services on 127.0.0.1 and an isolated Airflow home per test session.

Airflow reads its configuration when it is first imported, so the ``AIRFLOW_*`` variables are set here,
at import time of this conftest, before any test module imports Airflow.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="dataops-tests-"))

os.environ.update({
    "AIRFLOW_HOME": str(_SESSION_DIR / "airflow"),
    "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_SESSION_DIR / 'airflow' / 'airflow.db'}",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(_SESSION_DIR / "airflow" / "logs"),
    "DBT_PROFILES_DIR": str(REPO / "dbt_project"),
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    # dag.test() runs one task at a time in-process: cosmos's watcher sensors would wait for a producer that has
    # not started (see dataops_airflow.dbt_group). The end-to-end tests run the scheduler with the watcher.
    "DATAOPS_DBT_EXECUTION_MODE": "local",
})

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, what: str) -> None:
    """Skip when a service is missing on a developer machine; fail in CI (``CI=true``)."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is not reachable and CI=true: the service must be running in CI")
    pytest.skip(f"{what} is not reachable")


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API (moto's server) on 127.0.0.1, one per test session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test-access-key")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test-secret-key")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_endpoint):
    import boto3

    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture(scope="session")
def moto_endpoint(s3_endpoint):
    """The same S3 endpoint under the name the model-registry tests use."""
    return s3_endpoint


@pytest.fixture
def s3(s3_client):
    return s3_client


@pytest.fixture
def bucket():
    """A fresh artifact bucket name per test, so tests never see each other's objects."""
    import uuid

    return f"models-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def mail_sink(tmp_path):
    """A real SMTP server on 127.0.0.1 that stores what it receives as .eml files."""
    from dataops.devstack.smtp_sink import MailSink

    with MailSink(tmp_path / "mail") as sink:
        yield sink


@pytest.fixture(scope="session")
def airflow_db():
    """Migrate the session's SQLite metadata database once."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, env=os.environ.copy(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    subprocess.run([str(airflow), "pools", "set", "warehouse", "1", "warehouse writes (DuckDB: one writer)"],
                   check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


@pytest.fixture
def stack_connections(monkeypatch, s3_endpoint, mail_sink, tmp_path):
    """Point ``aws_default``, ``smtp_default`` and ``warehouse_default`` at this test's real services; the gate's
    reports go to the test's own folder (not the checkout's ``.local/reports``)."""
    from dataops.devstack.settings import connection_env

    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DATAOPS_REPORTS_DIR", str(tmp_path / "reports"))
    for key, value in connection_env(s3_endpoint, mail_sink.port, warehouse).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DATAOPS_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("DATAOPS_S3_ENDPOINT_URL", s3_endpoint)
    return {"warehouse": warehouse, "s3_endpoint": s3_endpoint, "mail_sink": mail_sink}


PG_URL = os.environ.get("DATAOPS_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_server():
    """The machine's PostgreSQL (``DATAOPS_TEST_PG_URL``): an AUTOCOMMIT admin engine; fails in CI when down."""
    import sqlalchemy as sa

    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        require_service(False, f"PostgreSQL at {PG_URL} ({exc.orig})")
    yield admin
    admin.dispose()


@pytest.fixture
def pg_database(pg_server):
    """A fresh, empty database on the test server as a ``postgres`` WarehouseLocation; dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    from dataops.warehouse import WarehouseLocation

    name = f"dataops_test_{uuid.uuid4().hex[:12]}"
    with pg_server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_URL)
    yield WarehouseLocation(kind="postgres", host=url.host, port=url.port or 5432, user=url.username,
                            password=url.password, database=name)
    with pg_server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_location(request, tmp_path):
    """An empty warehouse of each kind: a DuckDB file, then a fresh PostgreSQL database.

    Every unit test of a warehouse-touching module takes this fixture, so it runs on both engines.
    """
    from dataops.warehouse import WarehouseLocation

    if request.param == "duckdb":
        return WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb")
    return request.getfixturevalue("pg_database")


@pytest.fixture
def warehouse(warehouse_location):
    """:class:`dataops.warehouse.Warehouse` of :func:`warehouse_location`."""
    from dataops.warehouse import open_warehouse

    return open_warehouse(warehouse_location)


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS.append(int(exitstatus))


def pytest_unconfigure(config):
    """Leave without interpreter teardown once pytest has printed its summary: dbt-duckdb keeps DuckDB
    connections open in the test process and DuckDB's bindings would print pages of harmless
    "nanobind: leaked instance" noise after the summary line."""
    if "PYTEST_XDIST_WORKER" in os.environ:  # an xdist worker must finish its protocol with the controller
        return
    if _EXIT_STATUS and os.environ.get("DATAOPS_PYTEST_HARD_EXIT", "1") == "1":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])

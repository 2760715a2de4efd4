"""The dbt profile and the warehouse follow the connection's type (no separate "kind" variable)."""

from __future__ import annotations

import json

import pytest
import yaml

HARD_PASSWORD = "p@ss:w/rd%# x"


@pytest.fixture
def duckdb_conn(monkeypatch, tmp_path):
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_TEST", json.dumps({"conn_type": "duckdb", "host": str(path)}))
    return path


@pytest.fixture
def postgres_conn(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_TEST", json.dumps({
        "conn_type": "postgres", "host": "db.internal", "port": 6543, "login": "etl", "password": HARD_PASSWORD,
        "schema": "warehouse"}))


def _profile(conn_id: str = "warehouse_test") -> dict:
    from dataops_airflow.dbt_group import profile_config

    text = profile_config(conn_id).profile_mapping.get_profile_file_contents("dataops", "warehouse")
    return yaml.safe_load(text)["dataops"]["outputs"]["warehouse"]


def test_duckdb_connection_gives_the_duckdb_profile(duckdb_conn):
    profile = _profile()
    assert profile["type"] == "duckdb" and profile["path"] == str(duckdb_conn)


def test_postgres_connection_gives_the_postgres_profile(postgres_conn):
    from dataops_airflow.dbt_group import profile_config

    mapping = profile_config("warehouse_test").profile_mapping
    profile = _profile()
    assert (profile["type"], profile["host"], profile["port"], profile["dbname"]) == (
        "postgres", "db.internal", 6543, "warehouse")
    assert HARD_PASSWORD in mapping.env_vars.values()  # the secret goes through an env var, not the file


def test_profile_config_reads_no_connection_when_built(monkeypatch):
    """Building the profile config (DAG parse time) must not look the connection up."""
    from airflow.sdk import BaseHook

    def boom(*args, **kwargs):
        raise AssertionError("connection read at parse time")

    monkeypatch.setattr(BaseHook, "get_connection", boom)
    from dataops_airflow.dbt_group import profile_config

    assert profile_config("warehouse_test").profile_name == "dataops"


def test_unknown_connection_type_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_TEST", json.dumps({"conn_type": "mysql", "host": "x"}))
    with pytest.raises(ValueError, match="type 'mysql'"):
        _profile()


def test_warehouse_hook_returns_the_interface_of_the_connection_type(duckdb_conn, monkeypatch):
    from dataops_airflow.hooks import WarehouseHook

    assert WarehouseHook("warehouse_test").get_conn().kind == "duckdb"
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_TEST", json.dumps({
        "conn_type": "postgres", "host": "h", "login": "u", "password": HARD_PASSWORD, "schema": "w"}))
    wh = WarehouseHook("warehouse_test").get_conn()
    assert wh.kind == "postgres" and wh.location.password == HARD_PASSWORD


def test_registry_hook_url_escapes_the_password(monkeypatch):
    import sqlalchemy as sa

    from dataops_airflow.hooks import RegistryHook

    monkeypatch.setenv("AIRFLOW_CONN_REGISTRY_TEST", json.dumps({
        "conn_type": "postgres", "host": "h", "port": 5432, "login": "u", "password": HARD_PASSWORD, "schema": "w"}))
    url = sa.engine.make_url(RegistryHook("registry_test").sqlalchemy_url())
    assert (url.username, url.password, url.host, url.database) == ("u", HARD_PASSWORD, "h", "w")


def _dbt_debug(profile: dict, tmp_path, name: str):
    """``dbt debug`` (it opens the warehouse) in its own process with ``profile`` as the only target."""
    import subprocess
    import sys
    from pathlib import Path

    from dataops.settings import REPO_ROOT

    folder = tmp_path / name
    folder.mkdir()
    (folder / "profiles.yml").write_text(yaml.safe_dump(
        {"dataops": {"target": "warehouse", "outputs": {"warehouse": profile}}}))
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run([str(dbt), "debug", "--profiles-dir", str(folder), "--project-dir",
                           str(REPO_ROOT / "dbt_project")], capture_output=True, text=True, timeout=300)


def test_a_dbt_process_waits_for_another_writer_s_lock_on_the_duckdb_file(duckdb_conn, tmp_path):
    """A cleared run's model sensors run dbt side by side: each must wait for the DuckDB file, not fail."""
    import multiprocessing
    import time

    profile = _profile()
    assert profile["retries"] == {"connect_attempts": 8}
    context = multiprocessing.get_context("spawn")
    for name, with_retries, hold in (("no_retries", False, 30), ("retries", True, 4)):
        held, release = context.Event(), context.Event()
        writer = context.Process(target=_hold_write_lock, args=(str(duckdb_conn), held, release, hold))
        writer.start()
        assert held.wait(60), "the other writer never got the file"
        started = time.monotonic()
        run = _dbt_debug(profile if with_retries else {k: v for k, v in profile.items() if k != "retries"},
                         tmp_path, name)
        waited = time.monotonic() - started
        release.set()
        writer.join(60)
        if with_retries:
            assert run.returncode == 0 and "All checks passed" in run.stdout, run.stdout[-2000:]
            assert waited >= 3, waited  # it waited for the other writer's lock to go
        else:
            assert run.returncode != 0 and "Could not set lock" in run.stdout, run.stdout[-2000:]


def _hold_write_lock(path: str, held, release, seconds: float) -> None:
    """Another process writing the DuckDB file for ``seconds`` (or until ``release``)."""
    import duckdb

    with duckdb.connect(path) as con:
        con.execute("CREATE TABLE IF NOT EXISTS lock_holder (x INT)")
        held.set()
        release.wait(seconds)

"""The warehouse hook turns the Airflow connection into a core WarehouseLocation."""

from __future__ import annotations

import json

import pytest

from dataops_airflow.hooks.warehouse import WarehouseHook


def test_duckdb_connection_gives_its_file(monkeypatch, tmp_path):
    path = str(tmp_path / "wh.duckdb")
    monkeypatch.setenv("AIRFLOW_CONN_WH_TEST", json.dumps({"conn_type": "duckdb", "host": path}))
    location = WarehouseHook("wh_test").get_location()
    assert (location.kind, location.path) == ("duckdb", path)


def test_duckdb_connection_without_a_path_is_refused(monkeypatch):
    # Before: WarehouseLocation.duckdb(None) made a warehouse file literally named "None".
    monkeypatch.setenv("AIRFLOW_CONN_WH_TEST", json.dumps({"conn_type": "duckdb"}))
    with pytest.raises(ValueError, match="needs a file path"):
        WarehouseHook("wh_test").get_location()

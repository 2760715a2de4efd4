from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from tests.unit.overview.history import OVERRIDES, build_history, fill_registry


@pytest.fixture(scope="session")
def history_file(tmp_path_factory):
    """A DuckDB warehouse with the real gate's history (:func:`build_history`), built once per session."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", OVERRIDES)
        mp.setenv("DATAOPS_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))
        return build_history(tmp_path_factory.mktemp("history")).path


@pytest.fixture
def location(history_file, tmp_path, monkeypatch):
    """This test's own copy of the history (a test may label or roll back)."""
    from dataops.warehouse import WarehouseLocation

    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", OVERRIDES)
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://ui.example:8080")
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(history_file, copy)
    return WarehouseLocation.duckdb(copy)


@pytest.fixture
def registry(s3, bucket, tmp_path):
    """A registry (SQLite + the session's S3 endpoint) with :func:`fill_registry`'s moves."""
    from dataops.registry import ModelRegistry

    reg = ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'registry.sqlite'}"), s3, bucket=bucket)
    reg.store.ensure_bucket()
    fill_registry(reg)
    return reg

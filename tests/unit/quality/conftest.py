from __future__ import annotations

import pytest

from tests.unit.quality import synth


@pytest.fixture
def warehouse(warehouse):
    """The session's :class:`~dataops.warehouse.Warehouse` (DuckDB file, then PostgreSQL) with the raw layer."""
    synth.create(warehouse)
    return warehouse


@pytest.fixture
def duckdb_warehouse(tmp_path):
    """An empty DuckDB warehouse file with the raw layer (GX's DuckDB-specific tests)."""
    path = tmp_path / "warehouse.duckdb"
    synth.create(path)
    return path


@pytest.fixture
def short_baseline(monkeypatch):
    """Alert after 14 baseline batches instead of 20 (weekday metrics still need 3 per weekday)."""
    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", '{"min_baseline_points": 14}')

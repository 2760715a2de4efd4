from __future__ import annotations

import pytest

from tests.unit.quality import synth


@pytest.fixture
def warehouse(tmp_path):
    """An empty DuckDB warehouse file with the raw layer."""
    path = tmp_path / "warehouse.duckdb"
    synth.create(path)
    return path


@pytest.fixture
def short_baseline(monkeypatch):
    """Alert after 14 baseline batches instead of 20 (weekday metrics still need 3 per weekday)."""
    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", '{"min_baseline_points": 14}')

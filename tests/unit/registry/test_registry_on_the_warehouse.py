"""Without a registry URL, the registry CLI keeps its tables in the warehouse (DuckDB file or PostgreSQL)."""

from __future__ import annotations

from dataops.registry import ModelRegistry
from dataops.registry.cli import registry_engine


def test_registry_falls_back_to_the_warehouse_engine(monkeypatch, warehouse_location, warehouse, s3, bucket):
    monkeypatch.delenv("DATAOPS_REGISTRY_URL", raising=False)
    if warehouse_location.kind == "postgres":
        monkeypatch.setenv("DATAOPS_WAREHOUSE_URL", warehouse_location.sqlalchemy_url)
    else:
        monkeypatch.delenv("DATAOPS_WAREHOUSE_URL", raising=False)
        monkeypatch.setenv("DATAOPS_WAREHOUSE_PATH", str(warehouse_location.path))
    engine = registry_engine()
    try:
        reg = ModelRegistry(engine, s3, bucket=bucket, schema="mlreg")
        assert reg.versions() == [] and reg.aliases() == {}
    finally:
        engine.dispose()
    assert warehouse.table_exists("mlreg.model_versions") and warehouse.table_exists("mlreg.alias_history")

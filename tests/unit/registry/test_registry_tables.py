"""Registry tables: idempotent creation, schema on DuckDB, prefix on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dataops.registry import ModelRegistry
from dataops.registry.tables import create_tables, registry_tables

TABLES = {"model_versions", "model_artifacts", "model_aliases", "alias_history", "decisions"}


def test_duckdb_tables_live_in_the_schema_and_creation_is_idempotent(tmp_path, s3, bucket):
    eng = sa.create_engine(f"duckdb:///{tmp_path / 'r.duckdb'}", poolclass=sa.pool.NullPool)
    reg = ModelRegistry(eng, s3, bucket=bucket, schema="mlreg")
    reg.create_tables()
    create_tables(eng, registry_tables("mlreg", "duckdb"))
    with eng.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'mlreg'")).scalars().all()
    assert set(rows) == TABLES


def test_sqlite_uses_a_table_prefix(tmp_path, s3, bucket):
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'r.sqlite'}")
    ModelRegistry(eng, s3, bucket=bucket)
    ModelRegistry(eng, s3, bucket=bucket)  # second creation is a no-op
    names = set(sa.inspect(eng).get_table_names())
    assert names == {f"registry_{t}" for t in TABLES}


@pytest.mark.parametrize("bad", ["registry;drop", "1abc", "a b", ""])
def test_schema_name_must_be_an_identifier(bad):
    with pytest.raises(ValueError, match="identifier"):
        registry_tables(bad, "postgresql")


def test_duckdb_catalog_named_like_the_schema_is_reported_clearly(tmp_path, s3, bucket):
    eng = sa.create_engine(f"duckdb:///{tmp_path / 'registry.duckdb'}", poolclass=sa.pool.NullPool)
    with pytest.raises(ValueError, match="catalog name 'registry'"):
        ModelRegistry(eng, s3, bucket=bucket)


def test_tables_of_an_older_registry_gain_the_new_columns(tmp_path, s3, bucket):
    """A registry created before run keys, alias details and alias removal is upgraded in place."""
    eng = sa.create_engine(f"duckdb:///{tmp_path / 'r.duckdb'}", poolclass=sa.pool.NullPool)
    ModelRegistry(eng, s3, bucket=bucket, schema="mlreg")
    with eng.begin() as conn:  # back to the old layout
        for table, column in [("model_versions", "run_key"), ("decisions", "run_key"), ("alias_history", "details")]:
            conn.execute(sa.text(f"ALTER TABLE mlreg.{table} DROP COLUMN {column}"))
        conn.execute(sa.text("ALTER TABLE mlreg.alias_history ALTER COLUMN to_version SET NOT NULL"))
    ModelRegistry(eng, s3, bucket=bucket, schema="mlreg")
    with eng.connect() as conn:
        rows = conn.execute(sa.text("SELECT table_name, column_name, is_nullable FROM information_schema.columns "
                                    "WHERE table_schema = 'mlreg'")).all()
    columns = {(t, c): nullable == "YES" for t, c, nullable in rows}
    assert columns[("model_versions", "run_key")] and columns[("decisions", "run_key")]
    assert columns[("alias_history", "details")] and columns[("alias_history", "to_version")]

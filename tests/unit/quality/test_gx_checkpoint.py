"""The committed GX checkpoint on one batch, in the warehouse, with SPC limits as suite parameters."""

from __future__ import annotations

import os
import uuid

import duckdb
import pytest

from dataops.quality.config import load_quality_config
from dataops.quality.gx_runner import run_checkpoint, spc_parameters
from dataops.warehouse import WarehouseLocation
from tests.conftest import require_service
from tests.unit.quality import synth

DAY = "2026-03-14"
CFG = load_quality_config("transactions")


def _evaluations(mean_lcl: float, mean_ucl: float) -> dict:
    return {"row_count": {"value": 300.0, "lcl": 250.0, "ucl": 350.0, "centre": 300.0, "sigma": 16.7,
                          "verdict": "in_control", "findings": []},
            "amount_log_mean": {"value": 9.9, "lcl": mean_lcl, "ucl": mean_ucl, "centre": (mean_lcl + mean_ucl) / 2,
                                "sigma": (mean_ucl - mean_lcl) / 6, "verdict": "critical",
                                "findings": [{"rule": "nelson_1"}]}}


def test_checkpoint_on_duckdb_returns_real_results_with_spc_limits(duckdb_warehouse, tmp_path, capfd):
    warehouse = duckdb_warehouse
    synth.add_batch(warehouse, DAY, 300, moto_share=0.1)
    synth.add_batch(warehouse, "2026-03-13", 120)
    with duckdb.connect(str(warehouse)) as con:
        mean = con.execute("SELECT avg(ln(amount)) FROM raw.transactions WHERE batch_date = ?", [DAY]).fetchone()[0]
        moto = con.execute("SELECT count(*) FROM raw.transactions WHERE batch_date = ? AND channel = 'moto'",
                           [DAY]).fetchone()[0]
    out = run_checkpoint(WarehouseLocation.duckdb(warehouse), checkpoint="transactions_quality", batch_date=DAY,
                         parameters=spc_parameters(_evaluations(mean + 0.5, mean + 1.0), CFG), docs_dir=tmp_path / "docs")
    assert out.ran and out.success is False
    spc = out.spc["amount_log_mean"]
    assert spc["value"] == pytest.approx(mean) and spc["success"] is False
    assert spc["lcl"] == pytest.approx(mean + 0.5) and spc["rules"] == ["nelson_1"]
    assert spc["z"] == pytest.approx((mean - (mean + 0.75)) / (0.5 / 6))
    assert out.spc["row_count"]["value"] == 300 and out.spc["row_count"]["success"]
    failed = {(f["expectation"], f["column"]): f for f in out.failures}
    assert failed[("expect_column_values_to_be_in_set", "channel")]["unexpected_count"] == moto
    assert out.docs_url.startswith("file://")
    page = out.docs_url.removeprefix("file://")
    assert os.path.exists(page)
    spc_pages = list((tmp_path / "docs" / "validations" / "transactions_spc").rglob("*.html"))
    assert spc_pages and "rules: nelson_1" in spc_pages[0].read_text()
    # no progress bar on stderr: a task log would show each one as an ERROR line next to the real findings
    assert "Calculating Metrics" not in capfd.readouterr().err


def test_batch_without_rows_builds_docs_only(duckdb_warehouse, tmp_path):
    warehouse = duckdb_warehouse
    out = run_checkpoint(WarehouseLocation.duckdb(warehouse), checkpoint="transactions_quality", batch_date=DAY,
                         parameters=spc_parameters({}, CFG), docs_dir=tmp_path / "docs", has_rows=False)
    assert not out.ran and "no rows" in out.note and (tmp_path / "docs" / "index.html").exists()


def _postgres() -> WarehouseLocation | None:
    try:
        import psycopg2

        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test", connect_timeout=3).close()
    except Exception:  # noqa: BLE001
        return None
    return WarehouseLocation(kind="postgres", host="127.0.0.1", port=5432, user="postgres", database="test")


@pytest.mark.postgres
def test_checkpoint_on_postgres_in_a_unique_schema(tmp_path):
    location = _postgres()
    require_service(location is not None, "PostgreSQL on 127.0.0.1:5432")
    from sqlalchemy import text

    schema = f"q_{uuid.uuid4().hex[:10]}"
    engine = location.engine()
    with engine.begin() as con:
        con.execute(text(f"CREATE SCHEMA {schema}"))
        con.execute(text(f"CREATE TABLE {schema}.transactions (tx_id VARCHAR, tx_ts TIMESTAMP, customer_id VARCHAR, "
                         "terminal_id VARCHAR, amount DOUBLE PRECISION, mcc VARCHAR, channel VARCHAR, country VARCHAR, "
                         "currency VARCHAR, batch_date DATE)"))
        con.execute(text(f"INSERT INTO {schema}.transactions SELECT 'id' || i, TIMESTAMP '2026-03-14 10:00', 'C1', "
                         "'T1', i, '5411', CASE WHEN i % 10 = 0 THEN 'moto' ELSE 'pos' END, 'FR', 'EUR', "
                         "DATE '2026-03-14' FROM generate_series(1, 100) i"))
    try:
        mean = sum(__import__("math").log(i) for i in range(1, 101)) / 100
        out = run_checkpoint(location, checkpoint="transactions_quality", batch_date=DAY,
                             parameters=spc_parameters(_evaluations(mean - 0.1, mean + 0.1), CFG),
                             docs_dir=tmp_path / "docs", raw_schema=schema)
    finally:
        with engine.begin() as con:
            con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    assert out.ran
    assert out.spc["amount_log_mean"]["value"] == pytest.approx(mean) and out.spc["amount_log_mean"]["success"]
    assert out.spc["row_count"]["value"] == 100
    failed = {(f["expectation"], f["column"]): f for f in out.failures}
    assert failed[("expect_column_values_to_be_in_set", "channel")]["unexpected_count"] == 10


def test_gate_and_gx_work_while_a_plain_connection_is_open_in_the_process(duckdb_warehouse, tmp_path,
                                                                          short_baseline):
    """dbt-duckdb, the ingest and the scorer keep plain connections; duckdb-engine's defaults would clash."""
    warehouse = duckdb_warehouse
    from dataops.quality.gate import run_gate

    synth.add_batch(warehouse, DAY, 300)
    with duckdb.connect(str(warehouse)) as held:
        held.execute("SELECT 1")
        result = run_gate(WarehouseLocation.duckdb(warehouse), "transactions", DAY, docs_dir=tmp_path / "docs")
        assert result.gx["ran"] and result.gx["spc"]["row_count"]["value"] == 300
        assert held.execute("SELECT count(*) FROM quality.metric_history").fetchone()[0] > 20


def test_the_docs_link_opens_the_failing_suite_s_page(duckdb_warehouse, tmp_path):
    """Contract passes, SPC fails: the analyst's link must open the SPC page, not the green contract page."""
    synth.add_batch(duckdb_warehouse, DAY, 300)
    with duckdb.connect(str(duckdb_warehouse)) as con:
        mean = con.execute("SELECT avg(ln(amount)) FROM raw.transactions WHERE batch_date = ?", [DAY]).fetchone()[0]
    location = WarehouseLocation.duckdb(duckdb_warehouse)
    failing = run_checkpoint(location, checkpoint="transactions_quality", batch_date=DAY, docs_dir=tmp_path / "docs",
                             parameters=spc_parameters(_evaluations(mean + 0.5, mean + 1.0), CFG))
    assert [(s["suite"], s["success"]) for s in failing.suites] == [("transactions_contract", True),
                                                                     ("transactions_spc", False)]
    assert "/validations/transactions_spc/" in failing.docs_url, failing.docs_url
    passing = run_checkpoint(location, checkpoint="transactions_quality", batch_date=DAY, docs_dir=tmp_path / "docs",
                             parameters=spc_parameters(_evaluations(mean - 0.5, mean + 0.5), CFG))
    assert passing.success and "/validations/transactions_contract/" in passing.docs_url, passing.docs_url

"""GX's SQL path on DuckDB: empty results without the persisted-connection fix, real ones with it."""

from __future__ import annotations

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import pytest

from dataops.quality import gx_duckdb


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.t AS SELECT i AS v, DATE '2026-03-01' + CAST(i % 3 AS INTEGER) AS batch_date FROM range(300) t(i)")
    return path


def _validate(path):
    context = gx.get_context(mode="ephemeral")
    ds = context.data_sources.add_sql(name="w", connection_string=f"duckdb:///{path}", create_temp_table=False)
    asset = ds.add_query_asset(name="t", query="SELECT * FROM raw.t")
    bd = asset.add_batch_definition_daily("daily", column="batch_date", validate_batchable=False)
    suite = context.suites.add(gx.ExpectationSuite("s", expectations=[
        gxe.ExpectColumnMeanToBeBetween(column="v", min_value={"$PARAMETER": "lo"}, max_value={"$PARAMETER": "hi"}),
        gxe.ExpectTableRowCountToBeBetween(min_value=1)]))
    vd = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=bd, suite=suite))
    return vd.run(batch_parameters={"year": 2026, "month": 3, "day": 2}, expectation_parameters={"lo": 0, "hi": 1000})


def test_without_the_fix_gx_sees_no_batch(table):
    gx_duckdb.disable()
    assert not gx_duckdb.is_enabled()
    with pytest.raises(Exception, match="No available batches"):
        _validate(table)


def test_with_the_fix_gx_computes_real_values(table):
    with gx_duckdb.persisted_duckdb_connection():
        result = _validate(table)
    assert not gx_duckdb.is_enabled()  # restored
    observed = {r.expectation_config.type: r.result.get("observed_value") for r in result.results}
    # rows of 2026-03-02 are i % 3 == 1: 100 rows, mean of 1, 4, ..., 298
    assert observed["expect_table_row_count_to_be_between"] == 100
    assert observed["expect_column_mean_to_be_between"] == pytest.approx(sum(range(1, 300, 3)) / 100)
    assert result.success

"""The warehouse interface behaves the same on DuckDB and on PostgreSQL (every test runs on both)."""

from __future__ import annotations

import pytest

from dataops.warehouse import RowsInsert, StagedLoad, open_warehouse, transaction

DDL = "CREATE TABLE IF NOT EXISTS marts.t (id VARCHAR, day DATE, x DOUBLE PRECISION, note VARCHAR)"


@pytest.fixture
def wh(warehouse):
    warehouse.execute("CREATE SCHEMA IF NOT EXISTS marts")
    warehouse.execute(DDL)
    return warehouse


def _stage(staging, n: int, day: str) -> None:
    staging.execute("CREATE OR REPLACE TEMP TABLE staged AS SELECT 'id' || i AS id, CAST(? AS DATE) AS day, "
                    "i / 2.0 AS x, CASE WHEN i % 3 = 0 THEN NULL WHEN i % 3 = 1 THEN '' ELSE 'a,\"b\"' END "
                    "AS note FROM range(?) r(i)", [day, n])


def _replace(wh, n: int, day: str) -> None:
    with wh.staging() as staging:
        _stage(staging, n, day)
        wh.replace(staging, deletes=[("DELETE FROM marts.t WHERE day = CAST(? AS DATE)", [day])],
                   loads=[StagedLoad("marts.t", ("id", "day", "x", "note"), "SELECT * FROM staged")],
                   rows=[RowsInsert("marts.t", ("id", "day", "x", "note"), [("ledger", day, -1.0, "x")])])


def test_kind_follows_the_location(warehouse, warehouse_location):
    assert warehouse.kind == warehouse_location.kind
    assert open_warehouse(warehouse) is warehouse


def test_execute_fetch_and_qmark_parameters(wh):
    wh.execute("INSERT INTO marts.t VALUES (?, CAST(? AS DATE), ?, ?)", ["a", "2026-03-01", 1.5, "50%"])
    assert wh.fetchone("SELECT id, x, note FROM marts.t WHERE id = ?", ["a"]) == ("a", 1.5, "50%")
    assert wh.fetchall("SELECT count(*) FROM marts.t") == [(1,)]
    assert wh.fetchone("SELECT id FROM marts.t WHERE id = ?", ["none"]) is None


def test_table_exists(wh):
    assert wh.table_exists("marts.t")
    assert not wh.table_exists("marts.missing")
    assert not wh.table_exists("nowhere.t")


def test_replace_loads_staged_rows_and_keeps_nulls_and_empty_strings(wh):
    _replace(wh, 9, "2026-03-01")
    rows = wh.fetchall("SELECT id, note FROM marts.t WHERE id <> 'ledger' ORDER BY x")
    assert len(rows) == 9
    assert [r[1] for r in rows[:3]] == [None, "", 'a,"b"']
    assert wh.fetchone("SELECT count(*) FROM marts.t WHERE id = 'ledger'") == (1,)


def test_replace_is_idempotent_per_partition(wh):
    _replace(wh, 5, "2026-03-01")
    _replace(wh, 7, "2026-03-02")
    _replace(wh, 4, "2026-03-01")
    counts = dict(wh.fetchall("SELECT CAST(day AS VARCHAR), count(*) FROM marts.t GROUP BY 1"))
    assert counts == {"2026-03-01": 4 + 1, "2026-03-02": 7 + 1}


def test_replace_is_one_transaction(wh):
    _replace(wh, 5, "2026-03-01")
    with wh.staging() as staging, pytest.raises(Exception, match="nosuch"):
        _stage(staging, 3, "2026-03-01")
        wh.replace(staging, deletes=[("DELETE FROM marts.t WHERE day = CAST(? AS DATE)", ["2026-03-01"])],
                   loads=[StagedLoad("marts.t", ("id", "day", "x", "note"), "SELECT * FROM staged"),
                          StagedLoad("marts.t", ("id",), "SELECT nosuch FROM staged")])
    assert wh.fetchone("SELECT count(*) FROM marts.t") == (6,)


def test_transaction_rolls_back_on_error(wh):
    with wh.connect() as con:
        with pytest.raises(RuntimeError), transaction(con):
            con.execute("INSERT INTO marts.t (id) VALUES (?)", ["gone"])
            raise RuntimeError("boom")
        con.execute("INSERT INTO marts.t (id) VALUES (?)", ["kept"])
    assert wh.fetchall("SELECT id FROM marts.t") == [("kept",)]


def test_stream_yields_bounded_frames_in_order(wh):
    _replace(wh, 25, "2026-03-01")
    frames = list(wh.stream("SELECT id, x FROM marts.t WHERE day = CAST(? AS DATE) AND id <> ? ORDER BY x",
                            ["2026-03-01", "ledger"], batch_size=10))
    assert [len(f) for f in frames] == [10, 10, 5]
    assert list(frames[0].columns) == ["id", "x"]
    assert frames[0]["x"].dtype.kind == "f"
    assert frames[2]["x"].iloc[-1] == 12.0


def test_stream_hands_out_numeric_columns_as_floats(wh):
    wh.execute("CREATE TABLE marts.amounts (id INTEGER, amount NUMERIC(12, 2))")
    wh.execute("INSERT INTO marts.amounts VALUES (1, 12.50), (2, NULL)")
    (frame,) = wh.stream("SELECT id, amount FROM marts.amounts ORDER BY id")
    assert frame["amount"].dtype.kind == "f"
    assert frame["amount"].iloc[0] == 12.5 and frame["amount"].isna().iloc[1]


def test_stream_of_an_empty_result(wh):
    assert list(wh.stream("SELECT id FROM marts.t", batch_size=10)) == []


def test_hash_bucket_partitions_every_row_once(wh):
    _replace(wh, 50, "2026-03-01")
    parts = [wh.fetchall(f"SELECT id FROM marts.t WHERE {wh.hash_bucket('id', 3)} = ?", [i]) for i in range(3)]
    ids = [r[0] for part in parts for r in part]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 51
    assert all(parts)


def test_engine_reaches_the_same_database(wh):
    import sqlalchemy as sa

    wh.execute("INSERT INTO marts.t (id) VALUES (?)", ["via-interface"])
    engine = wh.engine(poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id FROM marts.t")).scalar_one() == "via-interface"
    finally:
        engine.dispose()

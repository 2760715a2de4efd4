"""The warehouse when it does not answer (:mod:`dataops.warehouse.retries`): the DuckDB file held by another
process, a PostgreSQL session ended in the middle of a partition's write. Real processes and a real server; the
waits between attempts are recorded, not slept."""

from __future__ import annotations

import threading
import time

import pytest

from dataops.reliability.outage_warehouse import FileHolder
from dataops.unreachable import ServiceUnreachable
from dataops.warehouse import RowsInsert, StagedLoad, WarehouseLocation, open_warehouse


@pytest.fixture(autouse=True)
def _attempts(monkeypatch):
    monkeypatch.setenv("DATAOPS_WAREHOUSE_ATTEMPTS", "3")
    monkeypatch.setenv("DATAOPS_WAREHOUSE_BACKOFF", "1")


@pytest.fixture
def duck(tmp_path):
    wh = open_warehouse(WarehouseLocation.duckdb(tmp_path / "w.duckdb"))
    wh.execute("CREATE TABLE t (day DATE, id INTEGER)")
    wh.execute("INSERT INTO t SELECT DATE '2026-03-01', i FROM range(5) r(i)")
    return wh


def test_a_file_locked_by_another_process_is_waited_for_until_it_is_released(duck):
    holder, waits = FileHolder(duck.location.path), []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            holder.release()

    duck.retry_sleep = wait
    try:
        assert duck.fetchone("SELECT count(*) FROM t") == (5,)
    finally:
        holder.release()
    assert waits == [1.0, 2.0]


def test_a_file_locked_past_the_retries_fails_naming_the_file_and_what_to_do(duck):
    holder, waits = FileHolder(duck.location.path), []
    duck.retry_sleep = waits.append
    try:
        with pytest.raises(ServiceUnreachable) as err:
            duck.execute("DELETE FROM t")
    finally:
        holder.release()
    assert waits == [1.0, 2.0]
    text = str(err.value)
    assert f"DuckDB at file {duck.location.path} unreachable after 3 attempt(s)" in text
    assert "lock" in text and "another process holds the file" in text
    assert duck.fetchone("SELECT count(*) FROM t") == (5,)  # nothing was deleted


def test_an_answer_of_the_database_is_not_retried(warehouse):
    waits: list[float] = []
    warehouse.retry_sleep = waits.append
    with pytest.raises(Exception) as err:
        warehouse.fetchall("SELEC 1")
    assert not isinstance(err.value, ServiceUnreachable) and waits == []


def test_a_refused_postgresql_fails_naming_server_and_connection(pg_database):
    from dataops.devstack.smtp_sink import free_port

    wh = open_warehouse(WarehouseLocation(kind="postgres", host="127.0.0.1", port=free_port(), user="postgres",
                                          database=pg_database.database))
    waits: list[float] = []
    wh.retry_sleep = waits.append
    with pytest.raises(ServiceUnreachable) as err:
        wh.fetchone("SELECT 1")
    assert waits == [1.0, 2.0]
    assert f"PostgreSQL at 127.0.0.1:{wh.location.port}/{pg_database.database}" in str(err.value)
    assert "warehouse_default" in str(err.value)


class Terminator(threading.Thread):
    """Ends the server session that runs the write's ``pg_sleep`` (what a restart does to it), ``times`` times."""

    def __init__(self, pg_server, database: str, times: int) -> None:
        super().__init__(daemon=True)
        self.pg_server, self.database, self.times, self.ended = pg_server, database, times, 0

    def run(self) -> None:
        import sqlalchemy as sa

        deadline = time.monotonic() + 60
        with self.pg_server.connect() as conn:
            while self.ended < self.times and time.monotonic() < deadline:
                found = conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db "
                    "AND query LIKE 'SELECT pg_sleep%' AND state = 'active'"), {"db": self.database}).fetchall()
                self.ended += sum(1 for (ok,) in found if ok)
                time.sleep(0.05)


def _write(wh, n: int) -> None:
    """Replace the partition with ``n`` rows and a ledger row; the write takes a while (``pg_sleep``)."""
    with wh.staging() as staging:
        staging.execute("CREATE OR REPLACE TEMP TABLE staged AS SELECT DATE '2026-03-01' AS day, i AS id "
                        "FROM range(?) r(i)", [n])
        wh.replace(staging, deletes=[("DELETE FROM t WHERE day = DATE '2026-03-01'", None),
                                     ("SELECT pg_sleep(0.5)", None)],
                   loads=[StagedLoad("t", ("day", "id"), "SELECT day, id FROM staged")],
                   rows=[RowsInsert("t", ("day", "id"), [("2026-03-01", -1)])])


@pytest.fixture
def pg(pg_database):
    wh = open_warehouse(pg_database)
    wh.execute("CREATE TABLE t (day DATE, id INTEGER)")
    wh.execute("INSERT INTO t SELECT DATE '2026-03-01', i FROM generate_series(0, 4) i")
    return wh


def test_a_write_whose_session_postgresql_ended_is_retried_whole_and_lands_once(pg, pg_server):
    waits: list[float] = []
    pg.retry_sleep = waits.append
    ended = Terminator(pg_server, pg.location.database, times=1)
    ended.start()
    _write(pg, 7)
    ended.join()
    assert ended.ended == 1 and waits == [1.0]
    assert pg.fetchall("SELECT count(*), count(DISTINCT id) FROM t") == [(8, 8)]  # 7 rows and the ledger, once


def test_a_write_ended_on_every_attempt_fails_naming_postgresql_and_leaves_the_old_partition(pg, pg_server):
    waits: list[float] = []
    pg.retry_sleep = waits.append
    ended = Terminator(pg_server, pg.location.database, times=3)
    ended.start()
    with pytest.raises(ServiceUnreachable) as err:
        _write(pg, 7)
    ended.join()
    assert ended.ended == 3 and waits == [1.0, 2.0]
    assert str(err.value).startswith(f"PostgreSQL at {pg.where()} unreachable after 3 attempt(s)")
    assert pg.fetchall("SELECT count(*), min(id), max(id) FROM t") == [(5, 0, 4)]  # nothing half-written
    _write(pg, 7)  # the task's retry once the server is back
    assert pg.fetchall("SELECT count(*), count(DISTINCT id) FROM t") == [(8, 8)]

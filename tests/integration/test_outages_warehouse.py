"""One case of each warehouse outage class of ``make reliability`` through the real ingest: the DuckDB file held
by a second process (released within the retries, or not), and PostgreSQL ending the writing session in the
middle of the partition's transaction (on some attempts, or on every one). Rows counted from the warehouse."""

from __future__ import annotations

from datetime import date

import pytest

from dataops.reliability.accounting import IDENTICAL, REJECTED
from dataops.reliability.outage_warehouse import (
    ATTEMPTS,
    ENDED_BACK,
    ENDED_PAST,
    LOCK_BACK,
    LOCK_PAST,
    run_ended_case,
    run_lock_case,
)
from dataops.reliability.restartable_s3 import RestartableS3
from dataops.reliability.table import passed, summarise
from dataops.warehouse import WarehouseLocation, open_warehouse
from tests.integration.test_outages_s3_smtp import case


@pytest.fixture
def server():
    with RestartableS3() as s3:
        s3.client().create_bucket(Bucket="outages")
        yield s3


@pytest.mark.parametrize(("cls", "back_after", "outcome"), [(LOCK_BACK, ATTEMPTS - 1, IDENTICAL),
                                                            (LOCK_PAST, None, REJECTED)])
def test_a_duckdb_file_locked_by_another_process(server, tmp_path, cls, back_after, outcome):
    warehouse = open_warehouse(WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb"))
    result = run_lock_case(s3=server.client(), bucket="outages", warehouse=warehouse,
                           case=case(cls, date(2029, 1, 5)), back_after=back_after)
    assert (result.outcome, result.lost, result.duplicated, result.problems) == (outcome, 0, 0, []), result
    assert result.rows == 19 and passed(summarise([result]))


@pytest.mark.parametrize(("cls", "at_load", "times", "outcome"), [(ENDED_BACK, 2, ATTEMPTS - 1, IDENTICAL),
                                                                  (ENDED_PAST, 1, ATTEMPTS, REJECTED)])
def test_postgresql_ends_the_session_in_the_middle_of_the_write(server, pg_database, cls, at_load, times,
                                                                outcome):
    result = run_ended_case(s3=server.client(), bucket="outages", location=pg_database,
                            case=case(cls, date(2029, 6, 5)), at_load=at_load, times=times)
    assert (result.outcome, result.lost, result.duplicated, result.problems) == (outcome, 0, 0, []), result
    assert result.rows == 19 and passed(summarise([result]))

"""The outage part of ``make reliability``: S3, SMTP and the warehouse unreachable, with the rows they give.

S3 is a real API (moto's server on 127.0.0.1, stopped and restarted on its port: :mod:`.outage_s3`), SMTP the
project's sink (:mod:`.outage_smtp`), the warehouse a fresh DuckDB file; nothing is mocked but the waits
between retries, which are recorded instead of slept. The warehouse's own outages (:mod:`.outage_warehouse`):
its DuckDB file locked by a second process, and, on PostgreSQL (``--postgres``), the server ending the session
in the middle of a partition's write (the backoff itself is tested in
``tests/unit/test_unreachable.py``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dataops.reliability.accounting import CaseResult
from dataops.reliability.outage_s3 import run_s3_cases
from dataops.reliability.outage_smtp import run_smtp_cases
from dataops.reliability.outage_warehouse import run_ended_cases, run_lock_cases
from dataops.reliability.restartable_s3 import RestartableS3
from dataops.warehouse import WarehouseLocation, open_warehouse

#: batch dates of the outage cases (after every date of the input classes' catalogue)
S3_START, SMTP_START, LOCK_START, ENDED_START = date(2028, 1, 1), date(2028, 6, 1), date(2029, 1, 1), date(2029, 6, 1)


def run_outages(*, folder: Path, variants: int, postgres: WarehouseLocation | None = None) -> list[CaseResult]:
    """Every outage case (``variants`` per class) into a fresh warehouse under ``folder``.

    :param folder: an empty folder (warehouse files, the SMTP sink's messages).
    :param variants: cases per class.
    :param postgres: an empty PostgreSQL database for the sessions ended mid-write (None: those are left out).
    """
    warehouse = open_warehouse(WarehouseLocation.duckdb(folder / "outages.duckdb"))
    with RestartableS3() as server:
        results = run_s3_cases(server=server, warehouse=warehouse, variants=variants, start=S3_START)
        server.client().create_bucket(Bucket="warehouse-outages")
        locked = open_warehouse(WarehouseLocation.duckdb(folder / "locked.duckdb"))
        results += run_lock_cases(s3=server.client(), bucket="warehouse-outages", warehouse=locked,
                                  variants=variants, start=LOCK_START)
        if postgres is not None:
            results += run_ended_cases(s3=server.client(), bucket="warehouse-outages", location=postgres,
                                       variants=variants, start=ENDED_START)
    return [*results, *run_smtp_cases(warehouse=warehouse, folder=folder / "mail", variants=variants,
                                      start=SMTP_START)]

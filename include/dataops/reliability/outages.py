"""The outage part of ``make reliability``: S3 and SMTP unreachable, with the rows of the table they give.

S3 is a real API (moto's server on 127.0.0.1, stopped and restarted on its port: :mod:`.outage_s3`), SMTP the
project's sink (:mod:`.outage_smtp`), the warehouse a fresh DuckDB file; nothing is mocked but the waits
between retries, which are recorded instead of slept (the backoff itself is tested in
``tests/unit/test_unreachable.py``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dataops.reliability.accounting import CaseResult
from dataops.reliability.outage_s3 import run_s3_cases
from dataops.reliability.outage_smtp import run_smtp_cases
from dataops.reliability.restartable_s3 import RestartableS3
from dataops.warehouse import WarehouseLocation, open_warehouse

#: batch dates of the outage cases (after every date of the input classes' catalogue)
S3_START, SMTP_START = date(2028, 1, 1), date(2028, 6, 1)


def run_outages(*, folder: Path, variants: int) -> list[CaseResult]:
    """Every outage case (``variants`` per class) into a fresh warehouse under ``folder``.

    :param folder: an empty folder (warehouse file, the SMTP sink's messages).
    :param variants: cases per class.
    """
    warehouse = open_warehouse(WarehouseLocation.duckdb(folder / "outages.duckdb"))
    with RestartableS3() as server:
        results = run_s3_cases(server=server, warehouse=warehouse, variants=variants, start=S3_START)
    return [*results, *run_smtp_cases(warehouse=warehouse, folder=folder / "mail", variants=variants,
                                      start=SMTP_START)]

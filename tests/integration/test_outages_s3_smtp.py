"""One case of each outage class of ``make reliability`` (S3 back within the retries, S3 past them, SMTP
unreachable when an alert is due), with real services: moto's S3 server stopped and restarted on its port, the
project's SMTP sink, a DuckDB warehouse file."""

from __future__ import annotations

from datetime import date

import pytest

from dataops.reliability.accounting import IDENTICAL, REJECTED
from dataops.reliability.cases import CasePlan, PartPlan, build_case
from dataops.reliability.outage_s3 import ATTEMPTS, BACK, PAST, S3Outage, run_s3_case
from dataops.reliability.outage_smtp import CLASS as SMTP_CLASS
from dataops.reliability.outage_smtp import run_smtp_case
from dataops.reliability.restartable_s3 import RestartableS3
from dataops.reliability.table import passed, render, summarise
from dataops.warehouse import WarehouseLocation, open_warehouse


@pytest.fixture
def warehouse(tmp_path):
    return open_warehouse(WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb"))


@pytest.fixture
def server():
    with RestartableS3() as s3:
        s3.client().create_bucket(Bucket="outages")
        yield s3


def case(cls: str, day: date):
    return build_case(cls, day.isoformat(), day, CasePlan(parts=(PartPlan(rows=8), PartPlan(rows=11))), seed=3)


@pytest.mark.parametrize(("cls", "outage", "outcome", "starts"), [
    (BACK, S3Outage(begins_at=2, back_after=ATTEMPTS - 1), IDENTICAL, 2),  # during the first part, back in time
    (PAST, S3Outage(begins_at=3, back_after=None), REJECTED, 2),  # during the second part, never back in time
])
def test_s3_outage_case(server, warehouse, cls, outage, outcome, starts):
    result = run_s3_case(server=server, bucket="outages", warehouse=warehouse, case=case(cls, date(2028, 2, 1)),
                         outage=outage)
    assert (result.outcome, result.rows, result.lost, result.duplicated, result.problems) == (outcome, 19, 0, 0, [])
    assert server.starts == starts  # the server did go away once and came back


def test_smtp_outage_case_and_the_table(warehouse, tmp_path, server):
    smtp = run_smtp_case(warehouse=warehouse, folder=tmp_path / "mail", name="smtp", day=date(2028, 6, 1),
                         failed_flushes=2)
    assert (smtp.cls, smtp.outcome, smtp.rows, smtp.lost, smtp.duplicated, smtp.problems) == (
        SMTP_CLASS, IDENTICAL, 1, 0, 0, [])
    s3 = run_s3_case(server=server, bucket="outages", warehouse=warehouse, case=case(PAST, date(2028, 2, 2)),
                     outage=S3Outage(begins_at=1, back_after=None))
    rows = summarise([s3, smtp])
    assert passed(rows) and [r.cls for r in rows] == [PAST, SMTP_CLASS, "total"]
    assert render(rows, "fault class").splitlines()[0].startswith("fault class")

"""The ingest while the S3 endpoint is down: a real moto server on 127.0.0.1 stopped and started again on the
same port (its objects are kept in this process, as a real endpoint that comes back keeps them).

No wall-clock assertion: the retries wait through a recorder instead of sleeping, and the outage ends when the
recorder has seen a given number of waits (so "back within the retries" is an attempt count, not a time).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from dataops.datasets import load_dataset
from dataops.ingest import ingest_batch
from dataops.ingest.s3_retry import with_s3_retries
from dataops.reliability.accounting import IDENTICAL, account
from dataops.reliability.cases import CasePlan, PartPlan, build_case
from dataops.reliability.restartable_s3 import RestartableS3
from dataops.reliability.runner import land, observe
from dataops.unreachable import ServiceUnreachable
from dataops.warehouse import WarehouseLocation, open_warehouse

DATASET = load_dataset("transactions")


@pytest.fixture
def s3_server():
    with RestartableS3() as server:
        yield server


@pytest.fixture
def warehouse(tmp_path):
    return open_warehouse(WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb"))


class Waits:
    """The retries' ``sleep``: records each wait; at wait number ``restart_at`` the server comes back."""

    def __init__(self, server: RestartableS3, restart_at: int | None = None) -> None:
        self.server, self.restart_at, self.seen = server, restart_at, []

    def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)
        if len(self.seen) == self.restart_at:
            self.server.start()


class StopsOnDownload:
    """A boto3 client that stops the server just before download number ``at`` (an outage mid-ingest)."""

    def __init__(self, client: Any, server: RestartableS3, at: int) -> None:
        self.client, self.server, self.at, self.downloads = client, server, at, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def download_file(self, *args: Any, **kwargs: Any) -> Any:
        self.downloads += 1
        if self.downloads == self.at:
            self.server.stop()
        return self.client.download_file(*args, **kwargs)


def landed(server: RestartableS3, day: date, parts: int = 3):
    s3, bucket = server.client(), f"landing-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    case = build_case("S3 outage", day.isoformat(), day, CasePlan(parts=tuple(PartPlan(rows=15) for _ in range(parts))),
                      seed=day.toordinal())
    return bucket, case, land(s3, bucket, case)


def visible(warehouse, day: date) -> tuple[int, int, int]:
    """(raw rows, quarantined rows, ledger rows) of the date."""
    counts = []
    for table, where in (("raw.transactions", "batch_date = CAST(? AS DATE)"),
                         ("raw.quarantine", "batch_date = CAST(? AS DATE)"),
                         ("raw.ingest_files", "batch_date = CAST(? AS DATE)")):
        exists = warehouse.table_exists(table)
        counts.append(warehouse.fetchone(f"SELECT count(*) FROM {table} WHERE {where}", [day.isoformat()])[0]
                      if exists else 0)
    return tuple(counts)


def test_s3_back_within_the_retries_loads_the_batch(s3_server, warehouse):
    day = date(2029, 3, 1)
    bucket, case, bodies = landed(s3_server, day)
    s3_server.stop()  # the endpoint is down when the ingest starts
    waits = Waits(s3_server, restart_at=2)
    s3 = with_s3_retries(s3_server.client(), attempts=5, base_delay=0.5, sleep=waits)
    report = ingest_batch(s3, bucket, DATASET, "transactions", day.isoformat(), warehouse)
    assert waits.seen == [0.5, 1.0] and s3_server.starts == 2  # two waits, then the restarted server answered
    assert report.status == "loaded" and report.rows_loaded == 45
    result = account(case, bodies, observe(warehouse, s3_server.client(), bucket, case))
    assert (result.outcome, result.lost, result.duplicated) == (IDENTICAL, 0, 0)


def test_s3_down_past_the_retries_fails_naming_s3_and_publishes_nothing(s3_server, warehouse):
    day = date(2029, 3, 2)
    bucket, _, _ = landed(s3_server, day)
    s3_server.stop()
    waits = Waits(s3_server)  # never back
    s3 = with_s3_retries(s3_server.client(), attempts=4, base_delay=0.5, sleep=waits)
    with pytest.raises(ServiceUnreachable) as caught:
        ingest_batch(s3, bucket, DATASET, "transactions", day.isoformat(), warehouse)
    message = str(caught.value)
    assert message.startswith(f"S3 at {s3_server.url} unreachable after 4 attempt(s) (EndpointConnectionError: ")
    assert message.endswith("check the S3 endpoint / connection 'aws_default' and retry the task")
    assert waits.seen == [0.5, 1.0, 2.0] and visible(warehouse, day) == (0, 0, 0)


def test_s3_lost_mid_ingest_leaves_nothing_half_written_and_the_retry_loads_every_row_once(s3_server, warehouse):
    day = date(2029, 3, 3)
    bucket, case, bodies = landed(s3_server, day, parts=3)
    stopping = StopsOnDownload(s3_server.client(), s3_server, at=2)  # part 1 read, then S3 goes away
    with pytest.raises(ServiceUnreachable, match=r"^S3 at http://127\.0\.0\.1:\d+ unreachable after 3 attempt"):
        ingest_batch(with_s3_retries(stopping, attempts=3, base_delay=0.0, sleep=Waits(s3_server)), bucket,
                     DATASET, "transactions", day.isoformat(), warehouse)
    assert stopping.downloads == 4 and visible(warehouse, day) == (0, 0, 0)  # 1 read + 3 failed attempts

    s3_server.start()  # the task's retry, once S3 is back
    report = ingest_batch(s3_server.client(), bucket, DATASET, "transactions", day.isoformat(), warehouse)
    assert report.version == 1 and report.rows_loaded == 45
    result = account(case, bodies, observe(warehouse, s3_server.client(), bucket, case))
    assert (result.outcome, result.lost, result.duplicated) == (IDENTICAL, 0, 0)


def test_a_changed_delivery_lost_mid_ingest_keeps_the_loaded_version_whole(s3_server, warehouse):
    day = date(2029, 3, 4)
    bucket, _, _ = landed(s3_server, day, parts=2)
    ingest_batch(s3_server.client(), bucket, DATASET, "transactions", day.isoformat(), warehouse)
    before = visible(warehouse, day)
    # upstream delivers the date again, with one more part; S3 goes away while it is read
    s3 = s3_server.client()
    second = build_case("S3 outage", "redelivery", day, CasePlan(parts=tuple(PartPlan(rows=15) for _ in range(3))),
                        seed=7)
    land(s3, bucket, second)
    stopping = StopsOnDownload(s3, s3_server, at=3)
    with pytest.raises(ServiceUnreachable):
        ingest_batch(with_s3_retries(stopping, attempts=2, base_delay=0.0, sleep=Waits(s3_server)), bucket,
                     DATASET, "transactions", day.isoformat(), warehouse)
    assert visible(warehouse, day) == before == (30, 0, 2)  # version 1 as it was, nothing of version 2
    s3_server.start()
    report = ingest_batch(s3_server.client(), bucket, DATASET, "transactions", day.isoformat(), warehouse)
    assert report.version == 2 and visible(warehouse, day) == (45, 0, 2 + 3)  # the ledger keeps both versions


def test_the_sensor_and_the_ingest_task_name_s3_and_its_connection_when_it_stays_down(monkeypatch, tmp_path,
                                                                                       s3_server):
    from dataops.devstack.settings import connection_env
    from dataops_airflow.hooks.landing_s3 import landing_s3_client
    from dataops_airflow.sensors.landed_batch import LandedBatchSensor

    env = connection_env(s3_server.url, 2525, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", env["AIRFLOW_CONN_AWS_DEFAULT"])
    monkeypatch.setenv("DATAOPS_S3_ATTEMPTS", "2")
    monkeypatch.setenv("DATAOPS_S3_BACKOFF", "0")
    client = landing_s3_client("aws_default")
    assert client.attempts == 2 and client.client.meta.config.retries["total_max_attempts"] == 1
    bucket, _, _ = landed(s3_server, date(2029, 3, 5))
    sensor = LandedBatchSensor(task_id="wait", prefix="transactions", batch_date="2029-03-05", bucket=bucket)
    assert sensor.poke({}) is True
    s3_server.stop()
    with pytest.raises(ServiceUnreachable) as caught:
        sensor.poke({})
    assert str(caught.value).startswith(f"S3 at {s3_server.url} unreachable after 2 attempt(s)")
    assert "connection 'aws_default'" in str(caught.value)


def test_an_answer_of_s3_is_not_retried(s3_server):
    from dataops.ingest.landing import batch_landed

    s3_server.client().create_bucket(Bucket="answers")
    waits = Waits(s3_server)
    s3 = with_s3_retries(s3_server.client(), attempts=5, base_delay=1.0, sleep=waits)
    assert batch_landed(s3, "answers", "transactions", "2029-03-06") is False and waits.seen == []


def test_s3_lost_while_moving_a_rejected_file_keeps_the_published_version_and_the_rerun_moves_it(s3_server,
                                                                                                 warehouse):
    from dataops.reliability.outage_s3 import OutageClient

    day = date(2029, 3, 7)
    s3, bucket = s3_server.client(), "moves"
    s3.create_bucket(Bucket=bucket)
    case = build_case("S3 outage", "move", day, CasePlan(parts=(PartPlan(rows=10), PartPlan(rows=4, encoding="plain"))),
                      seed=11)
    land(s3, bucket, case)
    rejected = f"transactions/batch_date={day.isoformat()}/part-00001.csv.gz"
    # calls: the manifest, two downloads, then the move's copy: S3 goes away there, after the publish
    with pytest.raises(ServiceUnreachable):
        ingest_batch(with_s3_retries(OutageClient(s3, s3_server, begins_at=4), attempts=2, base_delay=0.0,
                                     sleep=Waits(s3_server)), bucket, DATASET, "transactions", day.isoformat(),
                     warehouse)
    assert visible(warehouse, day) == (10, 0, 2)  # the version is whole: the loaded rows, both ledger rows

    s3_server.start()
    report = ingest_batch(s3, bucket, DATASET, "transactions", day.isoformat(), warehouse)
    assert report.status == "unchanged" and [f.key for f in report.rejected] == [rejected]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"quarantine/{rejected}" in keys and rejected not in keys
    assert visible(warehouse, day) == (10, 0, 2)

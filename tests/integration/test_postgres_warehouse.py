"""Ingest, scoring and alert dispatch against a real PostgreSQL warehouse (a fresh database per module).

Uses ``DATAOPS_TEST_PG_URL`` (default ``postgresql+psycopg2://postgres@127.0.0.1:5432/test``) to create
``dataops_test_<uuid>``, dropped at teardown. When ``CI=true`` an unreachable server fails the tests.
"""

from __future__ import annotations

import os
import smtplib
import uuid
from datetime import date, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from dataops.alerts import dispatch_alerts
from dataops.datasets import load_dataset
from dataops.devstack.smtp_sink import free_port
from dataops.ingest import ingest_batch
from dataops.scoring.batch import score_batch
from dataops.spc import Point
from dataops.warehouse import WarehouseLocation
from tests.unit.alerts.spc_inputs import history, judge

from .landing_helpers import land, tx_line

pytestmark = pytest.mark.postgres

PG_URL = os.environ.get("DATAOPS_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
DAY = "2026-03-14"


@pytest.fixture(scope="module")
def pg_location():
    """A fresh database on the test server, as a ``postgres`` warehouse; dropped afterwards."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"dataops_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable and CI=true: {exc}")
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable: {exc}")
    url = sa.engine.make_url(PG_URL)
    yield WarehouseLocation(kind="postgres", host=url.host, port=url.port or 5432, user=url.username,
                            password=url.password, database=name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def pg_engine(pg_location):
    engine = pg_location.engine(poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def tx_ts_of(n: int) -> datetime:
    """``tx_ts`` of ``tx_line(n)``."""
    return datetime(2026, 3, 14, 10, n % 60)


def _q(engine, sql: str, **params):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


# --- ingest -------------------------------------------------------------------------------------------


def test_faulty_batch_is_conserved_quarantined_idempotent_and_versioned(s3_client, pg_location, pg_engine):
    bucket = f"landing-pg-{uuid.uuid4().hex[:8]}"
    s3_client.create_bucket(Bucket=bucket)
    lines = [tx_line(i) for i in range(1, 21)]
    lines[2] = "garbage;;not,a,row"                        # line 4: wrong field count
    lines[4] = tx_line(5, amount="")                      # line 6: missing amount
    lines[6] = tx_line(7, amount="abc")                   # line 8: not a number
    lines[8] = tx_line(1)                                 # line 10: duplicate of line 2
    lines[10] = 'x"quoted",' + tx_line(11)[2:]            # line 12: 10 fields, a quote in the raw record
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": lines, "part-00001.csv.gz": lines})  # + a duplicate file
    dataset = load_dataset("transactions")

    report = ingest_batch(s3_client, bucket, dataset, "transactions", DAY, pg_location)
    loaded = _q(pg_engine, "SELECT count(*) FROM raw.transactions")[0][0]
    quarantined = _q(pg_engine, "SELECT count(*) FROM raw.quarantine")[0][0]
    assert report.rows_landed == 40 and loaded + quarantined == 40
    assert (loaded, report.rows_loaded, report.rows_quarantined) == (15, 15, 25)
    reasons = dict(_q(pg_engine, "SELECT source_line, reason FROM raw.quarantine "
                                 "WHERE source_file LIKE '%part-00000%' ORDER BY 1"))
    assert reasons[4] == "unparseable: expected 9 fields, found 3"
    assert reasons[6] == "amount: missing value"
    assert reasons[8] == "amount: not a double: abc"
    assert reasons[10].startswith("duplicate_key: tx_id 20260314-00000001 first seen at")
    assert reasons[12] == "unparseable: expected 9 fields, found 10"
    assert _q(pg_engine, "SELECT raw_record FROM raw.quarantine WHERE source_line = 12 "
                         "AND source_file LIKE '%part-00000%'") == [('x"quoted",' + tx_line(11)[2:],)]
    dup_file = _q(pg_engine, "SELECT count(*), min(reason) FROM raw.quarantine "
                             "WHERE source_file LIKE '%part-00001%'")[0]
    assert dup_file[0] == 20 and "duplicate delivery" in dup_file[1]
    row = _q(pg_engine, "SELECT tx_id, amount, tx_ts, batch_date, source_line, ingest_version, "
                        "loaded_at IS NOT NULL FROM raw.transactions WHERE source_line = 2")
    assert row == [("20260314-00000001", 12.5, tx_ts_of(1), date(2026, 3, 14), 2, 1, True)]
    types = dict(_q(pg_engine, "SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_schema = 'raw' AND table_name = 'transactions'"))
    assert types["amount"] == "double precision" and types["tx_ts"] == "timestamp without time zone"

    before = _q(pg_engine, "SELECT tx_id, loaded_at FROM raw.transactions ORDER BY tx_id")
    again = ingest_batch(s3_client, bucket, dataset, "transactions", DAY, pg_location)
    assert again.status == "unchanged" and again.version == 1
    assert (again.rows_loaded, again.rows_quarantined) == (15, 25)
    assert _q(pg_engine, "SELECT tx_id, loaded_at FROM raw.transactions ORDER BY tx_id") == before
    assert _q(pg_engine, "SELECT count(*) FROM raw.quarantine")[0][0] == 25

    land(s3_client, bucket, DAY, {"part-00000.csv.gz": [tx_line(i, amount="99.00") for i in range(1, 11)]})
    v2 = ingest_batch(s3_client, bucket, dataset, "transactions", DAY, pg_location)
    assert (v2.status, v2.version, v2.rows_loaded, v2.rows_quarantined) == ("loaded", 2, 10, 0)
    assert _q(pg_engine, "SELECT count(*), min(amount), max(amount), min(ingest_version), max(ingest_version) "
                         "FROM raw.transactions") == [(10, 99.0, 99.0, 2, 2)]
    assert _q(pg_engine, "SELECT count(*) FROM raw.quarantine")[0][0] == 0
    assert _q(pg_engine, "SELECT version, count(*) FROM raw.ingest_files GROUP BY 1 ORDER BY 1") == [(1, 2), (2, 1)]


# --- scoring ------------------------------------------------------------------------------------------


class FakeModel:
    """Scores a row by its amount (``amount / 100``): predictable, so the test can check the numbers."""

    features = ["amount", "tx_hour"]

    def __init__(self, version: str) -> None:
        self.version = version
        self.chunk_sizes: list[int] = []

    def predict_proba(self, frame):
        self.chunk_sizes.append(len(frame))
        assert list(frame.columns) == ["tx_id", *self.features]
        return np.clip(frame["amount"].to_numpy(dtype=float) / 100.0, 0.0, 1.0)


def test_scoring_streams_chunks_and_a_rerun_replaces_the_partition(pg_engine, pg_location):
    dataset = load_dataset("transactions")
    assert dataset.feature_table == "marts.fct_transaction_features"
    amounts = [10.0, 95.0, 30.0, 99.0, 55.0]
    with pg_engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS marts"))
        conn.execute(sa.text("CREATE TABLE marts.fct_transaction_features (tx_id VARCHAR, batch_date DATE, "
                             "amount NUMERIC(12, 2), tx_hour INTEGER)"))
        rows = [{"id": f"20260314-{i:08d}", "d": DAY, "a": a, "h": i} for i, a in enumerate(amounts)]
        rows.append({"id": "20260315-00000001", "d": "2026-03-15", "a": 99.0, "h": 1})
        conn.execute(sa.text("INSERT INTO marts.fct_transaction_features VALUES (:id, CAST(:d AS DATE), :a, :h)"),
                     rows)

    model = FakeModel("v1")
    report = score_batch(pg_location, dataset, DAY, model, threshold=0.5, chunk_size=2)
    assert (report.rows, report.chunks, report.flagged) == (5, 3, 3)
    assert model.chunk_sizes == [2, 2, 1]
    got = _q(pg_engine, "SELECT tx_id, score, decision, model_version, role, batch_date FROM marts.predictions "
                        "ORDER BY tx_id")
    assert got == [(f"20260314-{i:08d}", a / 100, a / 100 >= 0.5, "v1", "champion", date(2026, 3, 14))
                   for i, a in enumerate(amounts)]

    score_batch(pg_location, dataset, DAY, FakeModel("v1"), role="shadow", threshold=0.5, chunk_size=2)
    score_batch(pg_location, dataset, DAY, FakeModel("v2"), threshold=0.5, chunk_size=10)
    assert _q(pg_engine, "SELECT role, model_version, count(*), count(DISTINCT tx_id) FROM marts.predictions "
                         "GROUP BY 1, 2 ORDER BY 1") == [("champion", "v2", 5, 5), ("shadow", "v1", 5, 5)]
    assert _q(pg_engine, "SELECT data_type FROM information_schema.columns WHERE table_schema = 'marts' "
                         "AND table_name = 'predictions' AND column_name = 'score'") == [("double precision",)]


# --- alerts -------------------------------------------------------------------------------------------

METRIC = "amount_log_mean"


def _smtp(port: int):
    def send(message) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.send_message(message)

    return send


def _dispatch(location, run_key, ev, series, send):
    return dispatch_alerts(location, dataset="transactions", batch_date=ev["batch_date"], run_key=run_key,
                           evaluations=[ev], series={METRIC: series}, links={}, recipients=["oncall@localhost"],
                           send=send)


def test_alert_is_sent_once_per_run_key_and_the_outbox_works_on_postgres(pg_location, pg_engine, mail_sink):
    pts = history()
    ev, series = judge(METRIC, pts, Point(pts[-1].batch_date + timedelta(days=1), 5.6))
    assert ev["verdict"] == "critical"

    first = _dispatch(pg_location, "quality_gate/r1/spc", ev, series, _smtp(mail_sink.port))
    assert first["sent"]
    (msg,) = mail_sink.messages()
    assert msg["Message-ID"] == first["message_id"] and msg["X-DataOps-Run-Key"] == "quality_gate/r1/spc"
    retry = _dispatch(pg_location, "quality_gate/r1/spc", ev, series, _smtp(mail_sink.port))
    assert not retry["sent"] and "already handled" in retry["reason"] and len(mail_sink.messages()) == 1
    assert _q(pg_engine, "SELECT status, subject, batch_date FROM quality.alert_log WHERE run_key = :k",
              k="quality_gate/r1/spc") == [("sent", first["subject"], date.fromisoformat(ev["batch_date"]))]
    assert _q(pg_engine, "SELECT metric, days_out, last_verdict FROM quality.alert_state") == [
        (METRIC, 1, "critical")]

    down = _dispatch(pg_location, "quality_gate/r2/spc", ev, series, _smtp(free_port()))  # nothing listens
    assert down["queued_in_outbox"] and not down["sent"]
    assert _q(pg_engine, "SELECT run_key, attempts FROM quality.alert_outbox") == [("quality_gate/r2/spc", 1)]
    flushed = _dispatch(pg_location, "quality_gate/r2/spc", ev, series, _smtp(mail_sink.port))
    assert flushed["flushed_from_outbox"] == 1 and not flushed["sent"]
    assert [m["Message-ID"] for m in mail_sink.messages()] == [first["message_id"], down["message_id"]]
    assert _q(pg_engine, "SELECT count(*) FROM quality.alert_outbox") == [(0,)]
    assert _q(pg_engine, "SELECT status FROM quality.alert_log WHERE run_key = :k",
              k="quality_gate/r2/spc") == [("sent",)]

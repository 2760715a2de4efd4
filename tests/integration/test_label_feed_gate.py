"""The chargeback label feed is judged by the quality gate: its own metrics, and a contract break is critical.

Real S3 (moto server), real ingest into a DuckDB file, the real gate and the real alert e-mail through the
SMTP sink. The batches are small hand-made deliveries, so every expected value follows from the files.
"""

from __future__ import annotations

import smtplib
from email import policy
from email.parser import BytesParser

import duckdb
import pytest

from dataops.datasets import load_dataset
from dataops.ingest import ingest_batch
from dataops.quality.gate import CONTRACT_METRIC, run_gate
from dataops.warehouse import WarehouseLocation

from .landing_helpers import land, tx_line

CB_HEADER = "tx_id,tx_ts,reported_at,reason_code"
DAY, BROKEN_DAY = "2026-03-14", "2026-03-15"


@pytest.fixture
def bucket(s3_client, request):
    name = "landing-" + request.node.name.replace("_", "-")[:40].lower()
    s3_client.create_bucket(Bucket=name)
    return name


def _chargeback(n: int, tx_day: str, reported: str) -> str:
    return f"{tx_day.replace('-', '')}-{n:08d},{tx_day} 10:00:00,{reported},10.4"


def _land_day(s3_client, bucket, warehouse, day, chargebacks, cb_header=CB_HEADER):
    land(s3_client, bucket, day, {"part-00000.csv.gz": [tx_line(i, day) for i in range(1, 61)]})
    land(s3_client, bucket, day, {"part-00000.csv.gz": chargebacks}, prefix="chargebacks", header=cb_header)
    location = WarehouseLocation.duckdb(warehouse)
    for source in ("transactions", "chargebacks"):
        ingest_batch(s3_client, bucket, load_dataset("transactions"), source, day, location)
    return location


def _alert_to(mail_sink, location, day):
    from dataops.alerts import dispatch_alerts

    def send(message) -> None:
        with smtplib.SMTP("127.0.0.1", mail_sink.port, timeout=5) as client:
            client.send_message(message)

    def alert(*, evaluations, series, links):
        return dispatch_alerts(location, dataset="transactions", batch_date=day, run_key=f"test/{day}",
                               evaluations=evaluations, series=series, links=links,
                               recipients=list(load_dataset("transactions").alert_recipients), send=send)

    return alert


def test_label_feed_has_metrics_and_its_contract_break_is_critical_with_an_alert(
        s3_client, bucket, mail_sink, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    # 3 chargebacks reported 2, 4 and 9 days after their transaction; a 4th without reported_at is quarantined
    rows = [_chargeback(1, "2026-03-12", f"{DAY} 10:00:00"), _chargeback(2, "2026-03-10", f"{DAY} 10:00:00"),
            _chargeback(3, "2026-03-05", f"{DAY} 10:00:00"), _chargeback(4, "2026-03-11", "")]
    location = _land_day(s3_client, bucket, warehouse, DAY, rows)
    clean = run_gate(location, "transactions", DAY, run_gx=False, docs_dir=tmp_path / "docs")
    assert not clean.blocking, clean.failure_message()
    assert clean.metrics["chargebacks.row_count"]["value"] == 3.0
    assert clean.metrics["chargebacks.lateness_days"]["value"] == pytest.approx(5.0)  # (2 + 4 + 9) / 3
    assert clean.metrics["chargebacks.quarantine_rate"]["value"] == pytest.approx(0.25)
    assert clean.metrics[CONTRACT_METRIC]["verdict"] != "critical"

    # the label feed's file renames a column: rejected whole, quarantined -- and now the gate fails on it
    location = _land_day(s3_client, bucket, warehouse, BROKEN_DAY, [_chargeback(5, "2026-03-13", f"{BROKEN_DAY} 09:00:00")],
                         cb_header="tx_id,tx_ts,reported_on,reason_code")
    broken = run_gate(location, "transactions", BROKEN_DAY, run_gx=False, docs_dir=tmp_path / "docs",
                      alert=_alert_to(mail_sink, location, BROKEN_DAY))
    assert broken.blocking
    critical = {f["metric"]: f for f in broken.critical}
    assert set(critical) == {CONTRACT_METRIC}, critical
    assert f"chargebacks/batch_date={BROKEN_DAY}/part-00000.csv.gz" in critical[CONTRACT_METRIC]["description"]
    assert "reported_at" in broken.failure_message()
    with duckdb.connect(str(warehouse)) as con:
        recorded = con.execute("SELECT value, verdict FROM quality.metric_history WHERE metric = ? "
                               "AND batch_date = CAST(? AS DATE)", [CONTRACT_METRIC, BROKEN_DAY]).fetchall()
    assert recorded == [(1.0, "critical")]

    mails = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in mail_sink.folder.rglob("*.eml")]
    critical_mails = [m for m in mails if "[CRITICAL]" in str(m["Subject"]) and BROKEN_DAY in str(m["Subject"])]
    assert critical_mails, [str(m["Subject"]) for m in mails]
    text = critical_mails[0].get_body(("plain",)).get_content()
    # the root cause leads: the rejected file and why, not the metric that counts rejected files
    assert "file rejected" in str(critical_mails[0]["Subject"]), critical_mails[0]["Subject"]
    assert "chargebacks/" in text and "reported_at" in text, text
    assert "fraud-analysts@example.com" in str(critical_mails[0]["To"])

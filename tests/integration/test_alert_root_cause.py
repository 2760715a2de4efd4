"""The alert leads with the root cause: a file the real ingest rejected, then the findings that follow from it.

Real components: batches landed in a real S3 API (moto's server), loaded by the real ingest into the
warehouse (DuckDB file and PostgreSQL), findings from the real SPC engine, the e-mail through a real SMTP
server on 127.0.0.1 (``mail_sink``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from datetime import date, timedelta

import pytest

from dataops.alerts import dispatch_alerts
from dataops.datasets import load_dataset
from dataops.ingest import ingest_batch
from dataops.quality.gate import contract_evaluation, run_gate
from dataops.quality.metrics import BatchFacts
from dataops.spc import Point
from dataops.weblinks import triage_url
from tests.integration.landing_helpers import HEADER, tx_line
from tests.integration.test_alert_emails import smtp_sender
from tests.unit.alerts.spc_inputs import history, judge

DAY = (history()[-1].batch_date + timedelta(days=1)).isoformat()  # the day spc_inputs.judge evaluates
RENAMED = HEADER.replace("amount", "amt")
LINKS = {"data_docs": "http://127.0.0.1:8080/dataops/reports/data_docs/run-1/index.html",
         "task": "http://127.0.0.1:8080/dags/value_pipeline_transactions/runs/r1/tasks/quality.spc_gate"}


def land_parts(s3, bucket: str, parts: list[tuple[str, str, list[str]]]) -> None:
    """Land (name, header, data lines) part files of :data:`DAY` with the manifest written last."""
    s3.create_bucket(Bucket=bucket)
    entries = []
    for name, header, lines in parts:
        key = f"transactions/batch_date={DAY}/{name}"
        body = gzip.compress(("\n".join([header, *lines]) + "\n").encode(), mtime=0)
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        entries.append({"key": key, "rows": len(lines), "sha256": hashlib.sha256(body).hexdigest()})
    s3.put_object(Bucket=bucket, Key=f"transactions/batch_date={DAY}/_manifest.json",
                  Body=json.dumps({"parts": entries}).encode())


def ingest(s3, location, parts):
    """Land and ingest the parts; the gate's contract evaluation of the ingest report."""
    bucket = f"landing-{uuid.uuid4().hex[:10]}"
    land_parts(s3, bucket, parts)
    report = ingest_batch(s3, bucket, load_dataset("transactions"), "transactions", DAY, location)
    return report, contract_evaluation(DAY, BatchFacts(rejected=[(f.key, f.message) for f in report.rejected]))


def spc(metric: str, mean: float, sd: float, today: float, seed: int = 7):
    """A real SPC evaluation (and chart series) of ``today`` against a clean history."""
    ev, series = judge(metric, history(seed=seed, mean=mean, sd=sd), Point(history()[-1].batch_date
                                                                            + timedelta(days=1), today))
    assert ev["batch_date"] == DAY and ev["verdict"] in ("critical", "warning"), ev
    return ev, series


def lines(first: int, n: int) -> list[str]:
    return [tx_line(i, day=DAY) for i in range(first, first + n)]


def send_alert(location, mail_sink, evaluations, series, run_key="value_pipeline/r1/transactions/batch"):
    out = dispatch_alerts(location, dataset="transactions", batch_date=DAY, run_key=run_key,
                          evaluations=evaluations, series=series, links=LINKS, recipients=["analysts@localhost"],
                          send=smtp_sender(mail_sink.port))
    assert out["sent"], out
    (msg,) = mail_sink.messages()
    assert msg["Subject"] == out["subject"]
    return msg


def bodies(msg) -> tuple[str, str]:
    return (msg.get_body(preferencelist=("plain",)).get_content(),
            msg.get_body(preferencelist=("html",)).get_content())


def test_a_rejected_file_leads_and_the_volume_findings_follow_it(s3_client, warehouse_location, mail_sink):
    """Schema change: the only file of the batch is rejected; row_count 0 and quarantine rate 1 follow."""
    report, contract = ingest(s3_client, warehouse_location, [("part-00000.csv.gz", RENAMED, lines(1, 40))])
    [rejected] = report.rejected
    rows, rows_series = spc("row_count", 800, 20, 0.0)
    rate, rate_series = spc("quarantine_rate", 0.01, 0.002, 1.0, seed=3)
    lateness, lateness_series = spc("chargebacks.lateness_days", 12, 0.5, 20.0, seed=5)  # another source

    msg = send_alert(warehouse_location, mail_sink, [rows, rate, lateness, contract],
                     {"row_count": rows_series, "quarantine_rate": rate_series,
                      "chargebacks.lateness_days": lateness_series})

    assert msg["Subject"] == (
        f"[CRITICAL] transactions {DAY}: file rejected - {rejected.key}: contract: column 'amount': expected a "
        "column of type double, found no such column (unexpected columns: amt) (2 metrics follow) and 1 more")
    text, html = bodies(msg)
    cause, rest = text.index("ROOT CAUSE: file rejected"), text.index("OTHER NEW ALERTS")
    follows = text[text.index("FOLLOWING FROM IT"):rest]
    assert cause < text.index("FOLLOWING FROM IT") < rest
    assert "transactions.row_count [critical, new]" in follows and "transactions.quarantine_rate" in follows
    assert "chargebacks.lateness_days" not in follows and "chargebacks.lateness_days" in text[rest:]
    assert f"- {rejected.key}: rejected by the ingest of transactions, 40 row(s) quarantined with it" in text
    assert "nothing of transactions was loaded for this batch" in text
    assert "contract.rejected_files [" not in text  # the contract finding is the cause, not a metric line
    # one click to the analysts' action, the run's Data Docs, the CLI kept as the operators' fallback
    assert text.index(f"REQUIRED ACTION: triage this batch (known_bad or false_positive): "
                      f"{triage_url('transactions', DAY)}") < cause
    assert f'<a href="{triage_url("transactions", DAY)}">' in html and f'href="{LINKS["data_docs"]}"' in html
    assert f"Data Docs of this run: {LINKS['data_docs']}" in text
    assert "FALLBACK FOR OPERATORS: LABEL FROM THE COMMAND LINE" in text
    assert "airflow dags trigger quality_labels --conf" in text
    assert html.index("Root cause: file rejected") < html.index("These findings follow from it")
    # the charts are those of the leading findings, in the e-mail's order (worst first under the cause)
    charts = [p.get_filename() for p in msg.walk() if p.get_content_type() == "image/png"]
    assert charts == ["quarantine_rate.png", "row_count.png", "chargebacks.lateness_days.png"]
    assert abs(rate["z"]) > abs(rows["z"]) and follows.index("quarantine_rate") < follows.index("row_count")


def test_a_partly_rejected_batch_keeps_unrelated_findings_independent(s3_client, warehouse_location, mail_sink):
    """One of two files rejected: the volume drop follows from it, a shift of the amounts of the rows that
    did load does not (it leads the other findings)."""
    report, contract = ingest(s3_client, warehouse_location, [("part-00000.csv.gz", HEADER, lines(1, 30)),
                                                              ("part-00001.csv.gz", RENAMED, lines(31, 10))])
    assert [f.status for f in report.files] == ["loaded", "rejected"]
    rows, rows_series = spc("row_count", 40, 1.5, 30.0)
    amount, amount_series = spc("amount_log_mean", 5.0, 0.1, 5.6, seed=11)
    msg = send_alert(warehouse_location, mail_sink, [amount, rows, contract],
                     {"row_count": rows_series, "amount_log_mean": amount_series})
    assert msg["Subject"].startswith(f"[CRITICAL] transactions {DAY}: file rejected - {report.files[1].key}: "
                                     "contract: column 'amount'")
    assert msg["Subject"].endswith(" (1 metric follows) and 1 more")
    text, _ = bodies(msg)
    follows = text[text.index("FOLLOWING FROM IT"):text.index("OTHER NEW ALERTS")]
    assert "transactions.row_count" in follows and "amount_log_mean" not in follows
    assert "transactions.amount_log_mean [critical, new]" in text[text.index("OTHER NEW ALERTS"):]
    assert "nothing of transactions was loaded" not in text


def test_rows_quarantined_one_by_one_show_their_reasons_with_the_quarantine_rate(s3_client, warehouse_location,
                                                                                mail_sink):
    batch = lines(1, 30)
    for i in range(8):
        batch[i] = tx_line(i + 1, day=DAY, amount="abc")
    for i in range(8, 12):
        batch[i] = tx_line(i + 1, day=DAY, amount="")
    report, contract = ingest(s3_client, warehouse_location, [("part-00000.csv.gz", HEADER, batch)])
    assert not report.rejected and report.rows_quarantined == 12
    rate, rate_series = spc("quarantine_rate", 0.01, 0.002, 0.4)
    msg = send_alert(warehouse_location, mail_sink, [rate, contract], {"quarantine_rate": rate_series})
    assert msg["Subject"].startswith(f"[CRITICAL] transactions.quarantine_rate {DAY}: +")  # no file: no cause
    text, html = bodies(msg)
    assert "quarantined rows by reason: amount: not a double (8), amount: missing value (4)" in text
    assert "quarantined rows by reason: amount: not a double (8), amount: missing value (4)" in html
    assert "ROOT CAUSE" not in text


def test_a_duplicate_delivery_is_the_cause_of_the_quarantine_rate(s3_client, warehouse_location, mail_sink):
    same = lines(1, 20)
    report, contract = ingest(s3_client, warehouse_location, [("part-00000.csv.gz", HEADER, same),
                                                              ("part-00001.csv.gz", HEADER, same)])
    assert [f.status for f in report.files] == ["loaded", "duplicate_file"] and contract["verdict"] == "in_control"
    rate, rate_series = spc("quarantine_rate", 0.01, 0.002, 0.5)
    msg = send_alert(warehouse_location, mail_sink, [rate, contract], {"quarantine_rate": rate_series})
    assert msg["Subject"] == (
        f"[CRITICAL] transactions {DAY}: file rejected - transactions/batch_date={DAY}/part-00001.csv.gz: same "
        f"content as transactions/batch_date={DAY}/part-00000.csv.gz (duplicate delivery) (1 metric follows)")
    text, _ = bodies(msg)
    assert "transactions.quarantine_rate [critical, new]" in text[text.index("FOLLOWING FROM IT"):]
    assert "quarantined rows by reason" not in text  # the duplicate file's rows are the cause's, not row reasons


def test_without_a_rejection_the_worst_finding_leads_and_a_warning_opens_no_triage(warehouse_location, mail_sink):
    warn = judge("tx_count", history(seed=5), Point(history()[-1].batch_date + timedelta(days=1), 5.0))[0]
    warn["verdict"] = "warning"
    warn["findings"] = [{"rule": "nelson_5", "severity": "warning", "description": "Nelson 5: 2 of 3 beyond 2 sigma",
                         "magnitude": None}]
    msg = send_alert(warehouse_location, mail_sink, [warn], {})
    assert msg["Subject"].startswith(f"[WARNING] transactions.tx_count {DAY}: ")
    text, html = bodies(msg)
    assert "REQUIRED ACTION" not in text and "required_actions" not in text + html and "ROOT CAUSE" not in text
    assert "LABEL THIS BATCH" in text  # the label steps remain for warnings


@pytest.mark.slow
def test_the_real_gate_on_a_schema_change_leads_with_the_rejected_file(stack_connections, monkeypatch, tmp_path):
    """Simulated history (22 days) ingested and judged by the real gate, then a renamed column: the e-mail the
    gate sends through the SMTP connection leads with the rejected file, the collapsed volume follows it."""
    import boto3

    from dataops.simulator.cli import main
    from dataops.warehouse import WarehouseLocation

    start, days = date(2026, 1, 5), 23
    fault_day = (start + timedelta(days=days - 1)).isoformat()
    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", json.dumps({"min_baseline_points": 14}))
    assert main(["land", "--start", start.isoformat(), "--days", str(days), "--tx-per-day", "300", "--seed", "5",
                 "--endpoint-url", stack_connections["s3_endpoint"], "--bucket", "landing",
                 "--fault", f"{fault_day}:schema_change:renamed"]) == 0
    s3 = boto3.client("s3", endpoint_url=stack_connections["s3_endpoint"], region_name="us-east-1")
    location = WarehouseLocation.duckdb(stack_connections["warehouse"])
    sink = stack_connections["mail_sink"]
    for offset in range(days):
        day = (start + timedelta(days=offset)).isoformat()
        for source in ("transactions", "chargebacks"):
            ingest_batch(s3, "landing", load_dataset("transactions"), source, day, location)
        alert = _gate_alert(location, day) if day == fault_day else None
        result = run_gate(location, "transactions", day, run_id=f"r-{day}", run_gx=False, alert=alert)
    assert result.critical
    (msg,) = [m for m in sink.messages() if fault_day in m["Subject"]]
    [rejected] = [f for f in result.findings if f["metric"] == "contract.rejected_files"]
    assert msg["Subject"].startswith(f"[CRITICAL] transactions {fault_day}: file rejected - transactions/"
                                     f"batch_date={fault_day}/")
    assert "metrics follow" in msg["Subject"] or "metric follows" in msg["Subject"]
    text, _ = bodies(msg)
    follows = text[text.index("FOLLOWING FROM IT"):]
    assert "transactions.row_count [critical" in follows and rejected["severity"] == "critical"


def _gate_alert(location, day: str):
    from dataops_airflow.notifiers import smtp_send_function

    def alert(*, evaluations, series, links):
        return dispatch_alerts(location, dataset="transactions", batch_date=day, run_key=f"gate/{day}",
                               evaluations=evaluations, series=series, links=links,
                               recipients=["analysts@localhost"], send=smtp_send_function("smtp_default"))

    return alert

"""Values from the data are shown as text, never as live markup, on every surface that shows them.

A batch whose every text column holds markup, script, a template and Markdown links is landed in a real S3
API and loaded by the real ingest into a DuckDB warehouse; the real gate judges it (GX checkpoint and Data Docs
included) and mails the analysts through a real SMTP server. Then each surface is read: the alert e-mail (HTML
and text), the Data Docs pages, the gate's failure message (the task log), the triage action's Markdown, and
the approval's Markdown (its checks name slices by the data's values). The DataOps view's pages are checked in
``tests/ui/test_dataops_view.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import uuid
from functools import partial

from dataops.alerts import dispatch_alerts
from dataops.evaluation.approval import approval_body, approval_subject
from dataops.quality.gate import run_gate
from dataops.quality.incident import incident_of, triage_body, triage_subject
from dataops.warehouse import WarehouseLocation
from tests.integration.landing_helpers import HEADER, land, tx_line
from tests.integration.test_alert_emails import smtp_sender
from tests.markdown import render, text_of

DAY = "2026-03-14"
#: markup, script, a template and Markdown injections (no comma: one field each)
PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{7*7}}", "[x](javascript:alert(1))",
            "![t](http://evil.example/t.png)")
#: what must never appear in HTML a browser renders: live elements and live links made of the payloads
LIVE = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", 'href="javascript:', 'src="http://evil.example')
#: every text column of the transactions contract (channel is free text; the others have patterns)
TEXT_COLUMNS = ("tx_id", "customer_id", "terminal_id", "mcc", "channel", "country", "currency")
#: the second payload as an HTML page shows it
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _hostile_lines() -> list[str]:
    """Clean rows whose channel cycles through the payloads (loaded: free text), then one row per payload and
    text column (rows of pattern columns are quarantined, their reason quoting the value)."""
    lines = [tx_line(i, day=DAY, channel=PAYLOADS[i % len(PAYLOADS)]) for i in range(1, 41)]
    columns = HEADER.split(",")
    n = 100
    for column in TEXT_COLUMNS:
        for payload in PAYLOADS:
            n += 1
            fields = tx_line(n, day=DAY).split(",")
            fields[columns.index(column)] = payload
            lines.append(",".join(fields))
    return lines


def _land_rejected_part(s3, bucket: str) -> str:
    """A second part whose file name and an extra header column are payloads (rejected whole, named)."""
    key = f"transactions/batch_date={DAY}/{PAYLOADS[1]}.csv.gz"
    body = gzip.compress((HEADER + f",{PAYLOADS[0]}\n" + tx_line(900, day=DAY) + ",x\n").encode(), mtime=0)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    manifest_key = f"transactions/batch_date={DAY}/_manifest.json"
    doc = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    doc["parts"].append({"key": key, "rows": 1, "sha256": hashlib.sha256(body).hexdigest()})
    s3.put_object(Bucket=bucket, Key=manifest_key, Body=json.dumps(doc).encode())
    return key


def _assert_shown_as_text(html: str, where: str) -> None:
    for live in LIVE:
        assert live not in html, f"{where}: live markup {live!r}"
    assert ESCAPED in html, f"{where}: the value is not shown (escaped) at all"


def test_every_surface_shows_the_data_as_text(s3_client, mail_sink, tmp_path, monkeypatch):
    from dataops.datasets import load_dataset
    from dataops.ingest import ingest_batch

    monkeypatch.setenv("DATAOPS_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://ui.example:8080")
    location = WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb")
    bucket = f"landing-{uuid.uuid4().hex[:10]}"
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": _hostile_lines()})
    rejected_key = _land_rejected_part(s3_client, bucket)
    report = ingest_batch(s3_client, bucket, load_dataset("transactions"), "transactions", DAY, location)
    assert [f.key for f in report.rejected] == [rejected_key] and report.rows_loaded == 45  # + channel rows

    alert = partial(dispatch_alerts, location, dataset="transactions", batch_date=DAY, run_key="escaping/r1",
                    recipients=["analysts@localhost"], send=smtp_sender(mail_sink.port))
    result = run_gate(location, "transactions", DAY, docs_dir=tmp_path / "reports" / "data_docs", alert=alert)
    assert result.blocking and result.gx and result.gx["ran"]
    gx_finding = next(f for f in result.findings if f["metric"].startswith("gx.") and "channel" in f["metric"])
    assert PAYLOADS[1] in gx_finding["description"]  # the unexpected values are quoted by the finding

    # the task's failure message and log line: one printable line per finding, values as plain text
    message = result.failure_message()
    assert not CONTROL.search(message)
    assert len(message.splitlines()) == 1 + len(result.critical) + 1  # head, findings, Data Docs link
    assert PAYLOADS[0] in message and PAYLOADS[1] in message

    # Data Docs: every page the gate wrote
    pages = list((tmp_path / "reports" / "data_docs").rglob("*.html"))
    assert pages
    for page in pages:
        for live in LIVE:
            assert live not in page.read_text(), f"{page.name}: live markup {live!r}"
    assert any(ESCAPED in p.read_text() for p in pages)

    # the analysts' e-mail
    (msg,) = mail_sink.messages()
    html = msg.get_body(preferencelist=("html",)).get_content()
    text = msg.get_body(preferencelist=("plain",)).get_content()
    _assert_shown_as_text(html, "alert e-mail HTML")
    assert PAYLOADS[1] in text and "\n" not in msg["Subject"] and rejected_key in msg["Subject"]

    # the triage action (Markdown on Airflow's "Required Actions" page)
    incident = incident_of(result)
    body = triage_body(incident, view_url="http://ui.example:8080/dataops/view/?as_of=2026-03-14",
                       chart_urls={m: f"http://ui.example:8080/dataops/view/datasets/transactions/metrics/{m}"
                                   for m in incident["metrics"][:2]})
    _assert_markdown_inert(body, "triage body")
    assert PAYLOADS[0] in text_of(body) and PAYLOADS[1] in text_of(body)
    assert not CONTROL.search(triage_subject(incident))


def _assert_markdown_inert(markdown: str, where: str) -> None:
    """Rendered as CommonMark with raw HTML allowed: no live element, no link or image but our own."""
    rendered = render(markdown)
    _assert_shown_as_text(rendered, where)
    assert "<img" not in rendered, where
    for href in re.findall(r'<a href="([^"]*)"', rendered):
        assert href.startswith("http://ui.example:8080/"), f"{where}: a link made of data: {href!r}"


def test_the_approval_shows_slice_values_as_text():
    reasons = [f"FAIL: slice channel={p}: average_precision drops by 0.05" for p in PAYLOADS]
    reasons.append("PASS: slice country=`x` | y\nnext line")
    evaluation = {"version": "v3", "champion_version": "v2", "metric": "average_precision", "delta": 0.04,
                  "ci_low": 0.01, "ci_high": 0.07, "reasons": reasons}
    body = approval_body("transactions", evaluation,
                         report_url="http://ui.example:8080/dataops/models/transactions/versions/v3/report")
    _assert_markdown_inert(body, "approval body")
    shown = text_of(body)
    for payload in PAYLOADS:
        assert f"slice channel={payload}: average_precision" in shown
    assert "country=`x` | y\\x0anext line" in shown
    assert not CONTROL.search(approval_subject("transactions", {**evaluation, "version": "v3\n<b>"}))

"""End-to-end check of the embedded stack: one S3 object, one warehouse table, one email.

Each step is idempotent for a given day: rerunning it overwrites that day's object and row.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage

from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse, transaction


def ensure_bucket(s3_client, bucket: str) -> None:
    """Create ``bucket`` if it does not exist yet."""
    existing = {b["Name"] for b in s3_client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3_client.create_bucket(Bucket=bucket)


def write_marker(s3_client, bucket: str, day: str) -> str:
    """Put ``smoke/day=<day>/marker.json`` in ``bucket`` and return its key."""
    ensure_bucket(s3_client, bucket)
    key = f"smoke/day={day}/marker.json"
    body = json.dumps({"day": day, "written_at": datetime.now(UTC).isoformat()})
    s3_client.put_object(Bucket=bucket, Key=key, Body=body.encode())
    return key


def record_run(location: Warehouse | WarehouseLocation | str, day: str, s3_key: str) -> int:
    """Replace the ``smoke.runs`` row of ``day`` (one transaction) and return the table's row count.

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    """
    with open_warehouse(location).connect() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS smoke")
        con.execute("CREATE TABLE IF NOT EXISTS smoke.runs (day DATE PRIMARY KEY, s3_key VARCHAR(1024), "
                    "recorded_at TIMESTAMP)")
        with transaction(con):
            con.execute("DELETE FROM smoke.runs WHERE day = CAST(? AS DATE)", [day])
            con.execute("INSERT INTO smoke.runs VALUES (CAST(? AS DATE), ?, CURRENT_TIMESTAMP)", [day, s3_key])
        return int(con.execute("SELECT count(*) FROM smoke.runs").fetchone()[0])


def smoke_email(day: str, s3_key: str, rows: int, sender: str, recipient: str) -> EmailMessage:
    """The message that proves the SMTP path works."""
    msg = EmailMessage()
    msg["Subject"] = f"[SMOKE] embedded stack OK {day}"
    msg["From"] = sender
    msg["To"] = recipient
    msg.set_content(f"S3 object: {s3_key}\nsmoke.runs rows: {rows}\n")
    return msg

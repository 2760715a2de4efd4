"""Write small hand-made batches into the landing bucket, exactly as the upstream system does."""

from __future__ import annotations

import gzip
import hashlib
import json

HEADER = "tx_id,tx_ts,customer_id,terminal_id,amount,mcc,channel,country,currency"


def tx_line(n: int, day: str = "2026-03-14", amount: str = "12.50", channel: str = "pos") -> str:
    compact = day.replace("-", "")
    return f"{compact}-{n:08d},{day} 10:{n % 60:02d}:00,C{n:07d},T{n % 7:06d},{amount},5411,{channel},NL,EUR"


def land(s3, bucket: str, day: str, parts: dict[str, list[str]], prefix: str = "transactions",
         header: str = HEADER) -> None:
    """Land ``parts`` (name -> data lines) for ``day`` with a manifest written last."""
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    entries = []
    for name, lines in parts.items():
        key = f"{prefix}/batch_date={day}/{name}"
        body = gzip.compress(("\n".join([header, *lines]) + "\n").encode(), mtime=0)
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        entries.append({"key": key, "rows": len(lines), "sha256": hashlib.sha256(body).hexdigest()})
    manifest = {"dataset": prefix, "batch_date": day, "parts": entries,
                "total_rows": sum(e["rows"] for e in entries)}
    s3.put_object(Bucket=bucket, Key=f"{prefix}/batch_date={day}/_manifest.json",
                  Body=json.dumps(manifest).encode())

"""Synthetic raw batches written straight into a DuckDB warehouse (no S3, no ingest): known, fast inputs."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from dataops.datasets import load_dataset
from dataops.ingest.tables import ensure_raw_tables


def create(path: Path) -> None:
    """Empty raw layer (same DDL as the ingest)."""
    with duckdb.connect(str(path)) as con:
        ensure_raw_tables(con, load_dataset("transactions").sources["transactions"])


def add_batch(path: Path, day: date | str, rows: int, *, seed: int = 1, amount_factor: float = 1.0,
              moto_share: float = 0.0, null_mcc: int = 0, duplicates: int = 0, rejected: str | None = None) -> None:
    """Replace one batch: ``rows`` loaded rows, ``null_mcc`` + ``duplicates`` quarantined rows, ledger rows.

    :param amount_factor: multiply every amount (an amount shift).
    :param moto_share: share of rows with the never-seen channel ``moto``.
    :param rejected: a ledger message for one extra rejected file (a contract break).
    """
    d = str(day)
    with duckdb.connect(str(path)) as con:
        con.execute("SELECT setseed(?)", [((int(d.replace("-", "")) * 7 + seed) % 997) / 997.0])
        con.execute("DELETE FROM raw.transactions WHERE batch_date = ?", [d])
        con.execute("DELETE FROM raw.quarantine WHERE batch_date = ?", [d])
        con.execute("DELETE FROM raw.ingest_files WHERE batch_date = ?", [d])
        con.execute(f"""
            INSERT INTO raw.transactions
            SELECT strftime(CAST(? AS DATE), '%Y%m%d') || '-' || lpad(CAST(i AS VARCHAR), 8, '0'),
                   CAST(? AS DATE) + INTERVAL (i % 86400) SECOND, 'C' || lpad(CAST(i % 500 AS VARCHAR), 7, '0'),
                   'T' || lpad(CAST(i % 80 AS VARCHAR), 6, '0'),
                   round(exp(3.2 + 0.9 * sqrt(-2 * ln(random() + 1e-12)) * cos(6.283185 * random())) * ?, 2) + 0.01,
                   CASE WHEN random() < 0.3 THEN '5411' WHEN random() < 0.3 THEN '5812' ELSE '5999' END,
                   CASE WHEN random() < ? THEN 'moto' WHEN random() < 0.75 THEN 'pos'
                        WHEN random() < 0.6 THEN 'ecom' ELSE 'atm' END,
                   'FR', 'EUR', CAST(? AS DATE), 'part-00000.csv.gz', CAST(i + 2 AS INTEGER), 1, now()
            FROM range({int(rows)}) t(i)""", [d, d, amount_factor, moto_share, d])
        con.execute(f"""INSERT INTO raw.quarantine SELECT 'transactions', 'transactions', CAST(? AS DATE),
                        'part-00000.csv.gz', 100000 + i, 'mcc: missing value', 'x', 1, now() FROM range({null_mcc}) t(i)""",
                    [d])
        con.execute(f"""INSERT INTO raw.quarantine SELECT 'transactions', 'transactions', CAST(? AS DATE),
                        'part-00000.csv.gz', 200000 + i, 'duplicate_key: tx_id X first seen at p:1', 'x', 1, now()
                        FROM range({duplicates}) t(i)""", [d])
        bad = null_mcc + duplicates
        con.execute("INSERT INTO raw.ingest_files VALUES ('transactions', 'transactions', CAST(? AS DATE), 1, "
                    "'transactions/p0.csv.gz', 'sha', 'fp', ?, ?, ?, 'loaded', '', now())",
                    [d, rows + bad, rows, bad])
        if rejected:
            con.execute("INSERT INTO raw.ingest_files VALUES ('transactions', 'transactions', CAST(? AS DATE), 1, "
                        "'transactions/p1.csv.gz', 'sha2', 'fp', 50, 0, 50, 'rejected', ?, now())", [d, rejected])
            con.execute("""INSERT INTO raw.quarantine SELECT 'transactions', 'transactions', CAST(? AS DATE),
                           'transactions/p1.csv.gz', i, 'contract: broken', 'x', 1, now() FROM range(50) t(i)""", [d])


def fill(path: Path, start: date, days: int, rows: int = 800) -> list[str]:
    """``days`` clean batches from ``start`` with a weekly rhythm (weekends 30 % lighter)."""
    out = []
    for k in range(days):
        day = start + timedelta(days=k)
        add_batch(path, day, int(rows * (0.7 if day.weekday() >= 5 else 1.0)) + (k * 7919) % 40)
        out.append(day.isoformat())
    return out

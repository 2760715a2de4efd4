"""Synthetic raw batches written straight into a warehouse (no S3, no ingest): known, fast inputs.

The rows are generated in the warehouse's staging DuckDB (seeded, so both engines get the same values) and
loaded with :meth:`Warehouse.replace`, so the same batch lands in a DuckDB file or a PostgreSQL database.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from dataops.datasets import load_dataset
from dataops.ingest.tables import ensure_raw_tables
from dataops.warehouse import StagedLoad, Warehouse, WarehouseLocation, open_warehouse

RAW_COLUMNS = ("tx_id", "tx_ts", "customer_id", "terminal_id", "amount", "mcc", "channel", "country", "currency",
               "batch_date", "source_file", "source_line", "ingest_version", "loaded_at")
QUARANTINE_COLUMNS = ("dataset", "source", "batch_date", "source_file", "source_line", "reason", "raw_record",
                      "ingest_version", "quarantined_at")
LEDGER_COLUMNS = ("dataset", "source", "batch_date", "version", "file_key", "sha256", "batch_fingerprint",
                  "rows_landed", "rows_loaded", "rows_quarantined", "status", "message", "ingested_at")


def warehouse_of(where: Warehouse | WarehouseLocation | str | Path) -> Warehouse:
    """The warehouse of ``where``; a plain path is a DuckDB file."""
    if isinstance(where, Path) or (isinstance(where, str) and "://" not in where):
        return open_warehouse(WarehouseLocation.duckdb(where))
    return open_warehouse(where)


def create(where) -> Warehouse:
    """Empty raw layer (same DDL as the ingest)."""
    warehouse = warehouse_of(where)
    with warehouse.connect() as con:
        ensure_raw_tables(con, load_dataset("transactions").sources["transactions"])
    return warehouse


def _stage(staging, d: str, rows: int, seed: int, amount_factor: float, moto_share: float, null_mcc: int,
           duplicates: int, rejected: str | None) -> None:
    staging.execute("SELECT setseed(?)", [((int(d.replace("-", "")) * 7 + seed) % 997) / 997.0])
    staging.execute(f"""
        CREATE OR REPLACE TEMP TABLE synth_tx AS
        SELECT strftime(CAST(? AS DATE), '%Y%m%d') || '-' || lpad(CAST(i AS VARCHAR), 8, '0') AS tx_id,
               CAST(? AS DATE) + INTERVAL (i % 86400) SECOND AS tx_ts,
               'C' || lpad(CAST(i % 500 AS VARCHAR), 7, '0') AS customer_id,
               'T' || lpad(CAST(i % 80 AS VARCHAR), 6, '0') AS terminal_id,
               round(exp(3.2 + 0.9 * sqrt(-2 * ln(random() + 1e-12)) * cos(6.283185 * random())) * ?, 2) + 0.01
                   AS amount,
               CASE WHEN random() < 0.3 THEN '5411' WHEN random() < 0.3 THEN '5812' ELSE '5999' END AS mcc,
               CASE WHEN random() < ? THEN 'moto' WHEN random() < 0.75 THEN 'pos'
                    WHEN random() < 0.6 THEN 'ecom' ELSE 'atm' END AS channel,
               'FR' AS country, 'EUR' AS currency, CAST(? AS DATE) AS batch_date,
               'part-00000.csv.gz' AS source_file, CAST(i + 2 AS INTEGER) AS source_line, 1 AS ingest_version,
               CAST(now() AS TIMESTAMP) AS loaded_at
        FROM range({int(rows)}) t(i)""", [d, d, amount_factor, moto_share, d])
    quarantine = [f"SELECT 'part-00000.csv.gz' AS f, 100000 + i AS line, 'mcc: missing value' AS reason "
                  f"FROM range({int(null_mcc)}) t(i)",
                  f"SELECT 'part-00000.csv.gz', 200000 + i, 'duplicate_key: tx_id X first seen at p:1' "
                  f"FROM range({int(duplicates)}) t(i)"]
    ledger = ["SELECT 'transactions/p0.csv.gz' AS key, 'sha' AS sha, ? AS landed, ? AS loaded, ? AS bad, "
              "'loaded' AS status, '' AS message"]
    params = [rows + null_mcc + duplicates, rows, null_mcc + duplicates]
    if rejected:
        quarantine.append("SELECT 'transactions/p1.csv.gz', i, 'contract: broken' FROM range(50) t(i)")
        ledger.append("SELECT 'transactions/p1.csv.gz', 'sha2', 50, 0, 50, 'rejected', ?")
        params.append(rejected)
    staging.execute(f"""
        CREATE OR REPLACE TEMP TABLE synth_q AS
        SELECT 'transactions' AS dataset, 'transactions' AS source, CAST(? AS DATE) AS batch_date, f, line, reason,
               'x' AS raw_record, 1 AS ingest_version, CAST(now() AS TIMESTAMP) AS at
        FROM ({' UNION ALL '.join(quarantine)}) q""", [d])
    staging.execute(f"""
        CREATE OR REPLACE TEMP TABLE synth_files AS
        SELECT 'transactions' AS dataset, 'transactions' AS source, CAST(? AS DATE) AS batch_date, 1 AS version,
               key, sha, 'fp' AS fp, landed, loaded, bad, status, message, CAST(now() AS TIMESTAMP) AS at
        FROM ({' UNION ALL '.join(ledger)}) l""", [d, *params])


def add_batch(where, day: date | str, rows: int, *, seed: int = 1, amount_factor: float = 1.0,
              moto_share: float = 0.0, null_mcc: int = 0, duplicates: int = 0, rejected: str | None = None) -> None:
    """Replace one batch: ``rows`` loaded rows, ``null_mcc`` + ``duplicates`` quarantined rows, ledger rows.

    :param where: the warehouse (a DuckDB file path, a location or a :class:`Warehouse`).
    :param amount_factor: multiply every amount (an amount shift).
    :param moto_share: share of rows with the never-seen channel ``moto``.
    :param rejected: a ledger message for one extra rejected file (a contract break).
    """
    warehouse = warehouse_of(where)
    d = str(day)
    where_day = "batch_date = CAST(? AS DATE)"
    with warehouse.staging() as staging:
        _stage(staging, d, rows, seed, amount_factor, moto_share, null_mcc, duplicates, rejected)
        warehouse.replace(
            staging,
            deletes=[(f"DELETE FROM {t} WHERE {where_day}", [d])
                     for t in ("raw.transactions", "raw.quarantine", "raw.ingest_files")],
            loads=[StagedLoad("raw.transactions", RAW_COLUMNS, "SELECT * FROM synth_tx"),
                   StagedLoad("raw.quarantine", QUARANTINE_COLUMNS, "SELECT * FROM synth_q"),
                   StagedLoad("raw.ingest_files", LEDGER_COLUMNS, "SELECT * FROM synth_files")])


def fill(where, start: date, days: int, rows: int = 800) -> list[str]:
    """``days`` clean batches from ``start`` with a weekly rhythm (weekends 30 % lighter)."""
    out = []
    for k in range(days):
        day = start + timedelta(days=k)
        add_batch(where, day, int(rows * (0.7 if day.weekday() >= 5 else 1.0)) + (k * 7919) % 40)
        out.append(day.isoformat())
    return out

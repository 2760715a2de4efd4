"""Ingest against a real S3 endpoint, on both warehouses (a DuckDB file and a fresh PostgreSQL database):
conservation, quarantine, contract, idempotency, one-transaction publish."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from dataops.datasets import load_dataset
from dataops.ingest import BatchNotLanded, ingest_batch

from .landing_helpers import HEADER, land, tx_line

DAY = "2026-03-14"
RAW_COLUMNS = ("tx_id, tx_ts, customer_id, terminal_id, amount, mcc, channel, country, currency, batch_date, "
               "source_file, source_line, ingest_version")


@pytest.fixture
def bucket(s3_client):
    name = f"landing-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


def _ingest(s3_client, bucket, warehouse, day=DAY):
    return ingest_batch(s3_client, bucket, load_dataset("transactions"), "transactions", day, warehouse)


def _q(warehouse, sql, params=()):
    return warehouse.fetchall(sql, list(params))


def test_clean_batch_loads_every_row_with_its_line(s3_client, bucket, warehouse):
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": [tx_line(i) for i in range(1, 101)],
                                  "part-00001.csv.gz": [tx_line(i) for i in range(101, 151)]})
    report = _ingest(s3_client, bucket, warehouse)
    assert (report.rows_landed, report.rows_loaded, report.rows_quarantined) == (150, 150, 0)
    assert _q(warehouse, "SELECT count(*), count(DISTINCT tx_id), CAST(min(batch_date) AS VARCHAR) "
                         "FROM raw.transactions") \
        == [(150, 150, DAY)]
    # line 2 of part-00001 is its first data row, tx 101
    assert _q(warehouse, "SELECT tx_id, amount FROM raw.transactions WHERE source_file LIKE '%part-00001%' "
                         "AND source_line = 2") == [("20260314-00000101", 12.5)]


def test_faulty_rows_are_quarantined_with_reason_and_line_and_nothing_is_lost(s3_client, bucket, warehouse):
    lines = [tx_line(i) for i in range(1, 21)]
    lines[2] = "garbage;;not,a,row"                        # line 4: wrong field count
    lines[4] = tx_line(5, amount="")                      # line 6: missing amount
    lines[6] = tx_line(7, amount="abc")                   # line 8: not a number
    lines[8] = tx_line(1)                                 # line 10: duplicate of line 2
    lines[10] = tx_line(11).replace("2026-03-14 10", "2026-13-45 10")  # line 12: bad timestamp
    lines[12] = 'x"quoted",' + tx_line(13)[2:]            # line 14: 10 fields, a quote in the raw record
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": lines, "part-00001.csv.gz": lines})  # + a duplicate file
    report = _ingest(s3_client, bucket, warehouse)

    landed = 40
    assert report.rows_landed == landed
    loaded = _q(warehouse, "SELECT count(*) FROM raw.transactions")[0][0]
    quarantined = _q(warehouse, "SELECT count(*) FROM raw.quarantine")[0][0]
    assert loaded + quarantined == landed
    assert (loaded, report.rows_loaded, report.rows_quarantined) == (14, 14, 26)
    reasons = dict(_q(warehouse, "SELECT source_line, reason FROM raw.quarantine "
                                 "WHERE source_file LIKE '%part-00000%' ORDER BY 1"))
    assert reasons[4] == "unparseable: expected 9 fields, found 3"
    assert reasons[6] == "amount: missing value"
    assert reasons[8] == "amount: not a double: abc"
    assert reasons[10].startswith("duplicate_key: tx_id 20260314-00000001 first seen at")
    assert reasons[12].startswith("tx_ts: not a timestamp")
    assert reasons[14] == "unparseable: expected 9 fields, found 10"
    dup_file = _q(warehouse, "SELECT count(*), min(reason) FROM raw.quarantine "
                             "WHERE source_file LIKE '%part-00001%'")[0]
    assert dup_file[0] == 20 and "duplicate delivery" in dup_file[1]
    assert _q(warehouse, "SELECT raw_record FROM raw.quarantine WHERE source_line = 4 "
                         "AND source_file LIKE '%part-00000%'") == [("garbage;;not,a,row",)]
    assert _q(warehouse, "SELECT raw_record FROM raw.quarantine WHERE source_line = 14 "
                         "AND source_file LIKE '%part-00000%'") == [('x"quoted",' + tx_line(13)[2:],)]
    assert _q(warehouse, "SELECT tx_id, amount, tx_ts, batch_date, source_line, ingest_version, "
                         "loaded_at IS NOT NULL FROM raw.transactions WHERE source_line = 2") == [
        ("20260314-00000001", 12.5, datetime(2026, 3, 14, 10, 1), date(2026, 3, 14), 2, 1, True)]


@pytest.mark.parametrize(("header", "column", "expected"), [
    (HEADER.replace("amount", "amt"), "amount", "a column of type double"),
    (HEADER + ",extra_col", "extra_col", "only the columns"),
])
def test_file_breaking_the_contract_is_rejected_whole_and_moved(s3_client, bucket, warehouse, header, column,
                                                                 expected):
    good = [tx_line(i) for i in range(1, 11)]
    bad = [tx_line(i) + (",x" if "extra" in header else "") for i in range(11, 16)]
    _land_two(s3_client, bucket, good, bad, header)
    report = _ingest(s3_client, bucket, warehouse)
    [rejected] = report.rejected
    assert rejected.key.endswith("part-00001.csv.gz")
    assert f"column '{column}'" in rejected.message and expected in rejected.message
    assert rejected.message.startswith("contract: transactions/batch_date=2026-03-14/part-00001.csv.gz")
    assert _q(warehouse, "SELECT count(*) FROM raw.transactions") == [(10,)]
    assert _q(warehouse, "SELECT count(*) FROM raw.quarantine WHERE reason LIKE 'contract:%'") == [(5,)]
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert f"quarantine/transactions/batch_date={DAY}/part-00001.csv.gz" in keys
    assert f"transactions/batch_date={DAY}/part-00001.csv.gz" not in keys


def _land_two(s3_client, bucket, good, bad, bad_header):
    import gzip
    import hashlib
    import json

    entries = []
    for name, header, lines in (("part-00000.csv.gz", HEADER, good), ("part-00001.csv.gz", bad_header, bad)):
        key = f"transactions/batch_date={DAY}/{name}"
        body = gzip.compress(("\n".join([header, *lines]) + "\n").encode(), mtime=0)
        s3_client.put_object(Bucket=bucket, Key=key, Body=body)
        entries.append({"key": key, "rows": len(lines), "sha256": hashlib.sha256(body).hexdigest()})
    s3_client.put_object(Bucket=bucket, Key=f"transactions/batch_date={DAY}/_manifest.json",
                         Body=json.dumps({"parts": entries}).encode())


def test_changed_type_is_a_contract_break(s3_client, bucket, warehouse):
    lines = [tx_line(i, amount=f"{i}.50 EUR") for i in range(1, 11)]
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": lines})
    report = _ingest(s3_client, bucket, warehouse)
    [rejected] = report.rejected
    assert "column 'amount': expected values of type double, found 100% of values are not" in rejected.message
    assert report.rows_loaded == 0 and report.rows_quarantined == 10


def test_values_with_the_delimiter_break_the_row_layout_contract(s3_client, bucket, warehouse):
    lines = [tx_line(i, amount=f"{i},50 EUR") for i in range(1, 11)]
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": lines})
    [rejected] = _ingest(s3_client, bucket, warehouse).rejected
    assert "expected 9 comma-separated fields per line, found 100% of lines have another count" in rejected.message


def test_rerun_is_a_no_op_and_a_changed_delivery_replaces_the_partition(s3_client, bucket, warehouse):
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": [tx_line(i) for i in range(1, 31)]})
    first = _ingest(s3_client, bucket, warehouse)
    snapshot = _q(warehouse, f"SELECT {RAW_COLUMNS}, loaded_at FROM raw.transactions ORDER BY tx_id")
    again = _ingest(s3_client, bucket, warehouse)
    assert (first.version, first.status) == (1, "loaded")
    assert (again.version, again.status) == (1, "unchanged")
    assert again.rows_loaded == 30
    assert _q(warehouse, f"SELECT {RAW_COLUMNS}, loaded_at FROM raw.transactions ORDER BY tx_id") == snapshot
    assert _q(warehouse, "SELECT count(*) FROM raw.ingest_files") == [(1,)]

    land(s3_client, bucket, DAY, {"part-00000.csv.gz": [tx_line(i) for i in range(1, 26)]})  # corrected file
    changed = _ingest(s3_client, bucket, warehouse)
    assert (changed.version, changed.status, changed.rows_loaded) == (2, "loaded", 25)
    assert _q(warehouse, "SELECT count(*), min(ingest_version), max(ingest_version) FROM raw.transactions") \
        == [(25, 2, 2)]
    assert _q(warehouse, "SELECT version, count(*) FROM raw.ingest_files GROUP BY 1 ORDER BY 1") == [(1, 1), (2, 1)]


def test_the_publish_is_one_transaction(s3_client, bucket, warehouse):
    """A publish failing at its last statement (the ledger insert) leaves the previous partition whole."""
    from dataops.ingest import tables

    lines = [tx_line(i) for i in range(1, 21)]
    lines[3] = tx_line(4, amount="")
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": lines})
    _ingest(s3_client, bucket, warehouse)
    before = [_q(warehouse, f"SELECT {RAW_COLUMNS} FROM raw.transactions ORDER BY tx_id"),
              _q(warehouse, "SELECT source_line, reason FROM raw.quarantine ORDER BY source_line")]
    warehouse.execute(f"DROP TABLE {tables.LEDGER}")  # a ledger that refuses the new rows
    warehouse.execute(tables._LEDGER_DDL.replace("ingested_at TIMESTAMP", "ingested_at TIMESTAMP, audit INTEGER NOT NULL"))
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": [tx_line(i, amount="99.00") for i in range(1, 11)]})
    with pytest.raises(Exception, match="(?i)null"):
        _ingest(s3_client, bucket, warehouse)
    assert [_q(warehouse, f"SELECT {RAW_COLUMNS} FROM raw.transactions ORDER BY tx_id"),
            _q(warehouse, "SELECT source_line, reason FROM raw.quarantine ORDER BY source_line")] == before
    assert len(before[0]) == 19 and len(before[1]) == 1


def test_missing_manifest_says_the_batch_has_not_landed(s3_client, bucket, warehouse):
    with pytest.raises(BatchNotLanded, match="has not landed"):
        _ingest(s3_client, bucket, warehouse, day="2026-01-01")


def test_cli_takes_the_warehouse_bucket_and_endpoint_from_the_environment(s3_client, s3_endpoint, bucket,
                                                                          warehouse, monkeypatch, capsys):
    from dataops.cli import main

    location = warehouse.location
    if location.kind == "postgres":
        monkeypatch.setenv("DATAOPS_WAREHOUSE_URL", location.sqlalchemy_url)
    else:
        monkeypatch.delenv("DATAOPS_WAREHOUSE_URL", raising=False)
        monkeypatch.setenv("DATAOPS_WAREHOUSE_PATH", location.path)
    monkeypatch.setenv("DATAOPS_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("DATAOPS_LANDING_BUCKET", bucket)
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": [tx_line(i) for i in range(1, 6)]})
    assert main(["ingest", "--date", DAY, "--source", "transactions", "--json"]) == 0
    assert '"rows_loaded": 5' in capsys.readouterr().out
    assert _q(warehouse, "SELECT count(*) FROM raw.transactions") == [(5,)]


def _point_manifest_at(s3_client, bucket, keys, day=DAY):
    """Rewrite the day's manifest so that its parts are ``keys`` (each landed with a real file first)."""
    import gzip
    import hashlib
    import json

    parts = []
    for key in keys:
        body = gzip.compress((HEADER + "\n" + tx_line(1, day) + "\n").encode(), mtime=0)
        if not key.startswith("/") and ".." not in key:
            s3_client.put_object(Bucket=bucket, Key=key, Body=body)
        parts.append({"key": key, "rows": 1, "sha256": hashlib.sha256(body).hexdigest()})
    s3_client.put_object(Bucket=bucket, Key=f"transactions/batch_date={day}/_manifest.json",
                         Body=json.dumps({"dataset": "transactions", "batch_date": day, "parts": parts}).encode())


@pytest.mark.parametrize("key", [
    "transactions/batch_date=2026-03-13/part-00000.csv.gz",           # another date's partition
    "transactions/batch_date=2026-03-14/../batch_date=2026-03-13/part-00000.csv.gz",  # escapes with ../
    "../transactions/batch_date=2026-03-14/part-00000.csv.gz",        # above the source prefix
    "/transactions/batch_date=2026-03-14/part-00000.csv.gz",          # absolute
    "chargebacks/batch_date=2026-03-14/part-00000.csv.gz",            # another source's prefix
    "quarantine/transactions/batch_date=2026-03-14/part-00000.csv.gz",  # the quarantine prefix
    "transactions/batch_date=2026-03-14",                             # the partition itself, no file name
], ids=["other-date", "dotdot-inside", "dotdot-prefix", "absolute", "other-prefix", "quarantine", "no-name"])
def test_manifest_pointing_outside_its_own_partition_is_rejected(s3_client, bucket, warehouse, key):
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": [tx_line(i) for i in range(1, 11)]})
    _point_manifest_at(s3_client, bucket, [f"transactions/batch_date={DAY}/part-00000.csv.gz", key])
    with pytest.raises(ValueError, match="outside its own partition") as err:
        _ingest(s3_client, bucket, warehouse)
    message = str(err.value)
    assert key in message and f"transactions/batch_date={DAY}/" in message
    assert _q(warehouse, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'ingest_files'") \
        == [(0,)], "nothing may be loaded from a manifest that points outside its partition"

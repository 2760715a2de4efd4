"""Land each case in a real bucket, ingest it with the real ingest into a real warehouse, account for it."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable
from typing import Any

from dataops.datasets import load_dataset
from dataops.ingest import ManifestInvalid, ingest_batch
from dataops.ingest.landing import QUARANTINE_PREFIX, manifest_key
from dataops.reliability.accounting import CaseResult, Observed, account, check_columns, partition_of
from dataops.reliability.cases import Case
from dataops.reliability.files import encode, entries, manifest_body
from dataops.reliability.rows import COLUMNS
from dataops.textsafe import printable
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse

DATASET, SOURCE = "transactions", "transactions"


def land(s3: Any, bucket: str, case: Case) -> dict[str, bytes]:
    """Put the case's parts, then its manifest (written last, as upstream does); returns name -> bytes."""
    rng = random.Random(f"{case.cls}/{case.name}/{case.seed}/bytes")
    partition = partition_of(case)
    bodies: dict[str, bytes] = {}
    for part in case.parts:
        bodies[part.name] = bodies[part.copy_of] if part.copy_of else encode(part, rng)
        s3.put_object(Bucket=bucket, Key=f"{partition}/{part.name}", Body=bodies[part.name])
    body = manifest_body(case.manifest, entries(partition, case.parts, bodies), partition, rng)
    s3.put_object(Bucket=bucket, Key=manifest_key("transactions", case.day.isoformat()), Body=body)
    return bodies


def _objects(s3: Any, bucket: str, partition: str) -> dict[str, str]:
    out = {}
    for prefix in (f"{partition}/", f"{QUARANTINE_PREFIX}/{partition}/"):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                out[item["Key"]] = hashlib.sha256(body).hexdigest()
    return out


def observe(warehouse: Warehouse, s3: Any, bucket: str, case: Case) -> Observed:
    """Everything of the case's batch date in the raw tables, its ledger and its objects in the bucket."""
    day = case.day.isoformat()
    obs = Observed(objects=_objects(s3, bucket, partition_of(case)))
    if warehouse.table_exists("raw.transactions"):
        obs.raw = warehouse.fetchall(f"SELECT {', '.join(COLUMNS)}, source_file, source_line FROM raw.transactions "
                                     "WHERE batch_date = CAST(? AS DATE)", [day])
    if warehouse.table_exists("raw.quarantine"):
        obs.quarantine = warehouse.fetchall(
            "SELECT source_file, source_line, reason, raw_record FROM raw.quarantine WHERE dataset = ? AND source = ? "
            "AND batch_date = CAST(? AS DATE)", [DATASET, SOURCE, day])
    if warehouse.table_exists("raw.ingest_files"):
        obs.ledger = warehouse.fetchall(
            "SELECT file_key, rows_landed, rows_loaded, rows_quarantined, status, message FROM raw.ingest_files l "
            "WHERE dataset = ? AND source = ? AND batch_date = CAST(? AS DATE) AND version = (SELECT max(version) "
            "FROM raw.ingest_files m WHERE m.dataset = l.dataset AND m.source = l.source "
            "AND m.batch_date = l.batch_date)", [DATASET, SOURCE, day])
    return obs


def run_case(s3: Any, bucket: str, warehouse: Warehouse, case: Case) -> CaseResult:
    """Land, ingest and account for one case.

    :param s3: a boto3 S3 client of a real endpoint.
    :param bucket: an existing bucket (every case has its own batch date in it).
    :param warehouse: the warehouse the ingest writes.
    :param case: the case.
    """
    bodies = land(s3, bucket, case)
    statuses: dict[str, tuple[str, str]] = {}
    batch_error = unhandled = None
    try:
        report = ingest_batch(s3, bucket, load_dataset(DATASET), SOURCE, case.day.isoformat(), warehouse)
        statuses = {f.key: (f.status, f.message) for f in report.files}
    except ManifestInvalid as err:  # the batch refused whole, on purpose
        batch_error = str(err)
    except Exception as err:  # noqa: BLE001 - what the accounting is here to find
        unhandled = f"{type(err).__name__}: {printable(err, 300)}"
    obs = observe(warehouse, s3, bucket, case)
    obs.statuses, obs.batch_error, obs.unhandled = statuses, batch_error, unhandled
    return account(case, bodies, obs)


def run_cases(s3: Any, bucket: str, location: Warehouse | WarehouseLocation, cases: Iterable[Case],
              progress: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Run every case (distinct batch dates) into one warehouse.

    :param progress: called with each case's result as it is known.
    """
    check_columns(load_dataset(DATASET).sources[SOURCE].column_names)
    warehouse = open_warehouse(location)
    results = []
    for case in cases:
        result = run_case(s3, bucket, warehouse, case)
        if progress:
            progress(result)
        results.append(result)
    return results

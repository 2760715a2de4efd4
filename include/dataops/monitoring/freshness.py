"""Data freshness: how long since a dataset's last batch landed and since the champion last scored one.

Both are measured *as of* a check time (the checking run's logical time), so a rerun of a check gives the same
answer: a manifest written or a prediction made after that instant does not count.

- ``hours_since_landed``: from the newest batch whose ``_manifest.json`` is in the landing bucket (the upstream
  system writes it last) to the check time;
- ``hours_since_scored``: from the newest champion prediction of the dataset (``marts.predictions.scored_at``,
  written by the Value Pipeline's last successful scoring) to the check time.

Both are judged by fixed limits (``limits: {warning, critical}`` in the metrics file) and told to operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dataops.ingest.landing import manifest_key

KINDS = ("hours_since_landed", "hours_since_scored")
_PARTITION = re.compile(r"batch_date=(\d{4}-\d{2}-\d{2})/$")


@dataclass(frozen=True)
class Freshness:
    """What the check found for one dataset.

    :param checked_at: the check time (naive UTC).
    :param landed_batch: the newest landed batch date (None: nothing landed yet).
    :param landed_at: when its manifest was written.
    :param scored_at: when the champion last scored (None: never).
    """

    checked_at: datetime
    landed_batch: str | None
    landed_at: datetime | None
    scored_at: datetime | None

    def hours(self, kind: str) -> float | None:
        """``hours_since_landed`` or ``hours_since_scored`` (None when it never happened)."""
        at = self.landed_at if kind == "hours_since_landed" else self.scored_at
        return None if at is None else round((self.checked_at - at).total_seconds() / 3600, 2)

    def describe(self, kind: str) -> str:
        """The finding's text: how old, since what, and what to look at."""
        hours = self.hours(kind)
        if kind == "hours_since_landed":
            if hours is None:
                return "no batch has landed yet: check the upstream export and the landing bucket"
            return (f"no batch landed for {hours:g} h (the newest, {self.landed_batch}, at "
                    f"{self.landed_at:%Y-%m-%d %H:%M} UTC): check the upstream export and the landing bucket")
        if hours is None:
            return "the champion has never scored this dataset: check the Value Pipeline runs"
        return (f"the champion last scored {hours:g} h ago ({self.scored_at:%Y-%m-%d %H:%M} UTC): check the "
                "Value Pipeline's latest runs (a stopped gate, a failed task, a paused DAG)")


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def last_landed(s3: Any, bucket: str, prefix: str, before: datetime) -> tuple[str | None, datetime | None]:
    """The newest batch of ``prefix`` whose manifest was written before ``before``, and when.

    :param s3: a boto3 S3 client.
    :param bucket: the landing bucket.
    :param prefix: the source's prefix, e.g. ``transactions``.
    :param before: the check time (naive UTC).
    """
    dates = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/batch_date=",
                                                               Delimiter="/"):
        for common in page.get("CommonPrefixes") or []:
            match = _PARTITION.search(common["Prefix"])
            if match:
                dates.append(match.group(1))
    for day in sorted(dates, reverse=True):
        try:
            head = s3.head_object(Bucket=bucket, Key=manifest_key(prefix, day))
        except s3.exceptions.ClientError:
            continue  # a partition still being written has no manifest yet
        written = _naive_utc(head["LastModified"])
        if written <= before:
            return day, written
    return None, None


def last_scored(warehouse: Any, dataset: str, before: datetime) -> datetime | None:
    """When the champion last scored the dataset (before ``before``; None when never).

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param dataset: dataset name.
    :param before: the check time (naive UTC).
    """
    from dataops.scoring.batch import PREDICTIONS

    if not warehouse.table_exists(PREDICTIONS):
        return None
    row = warehouse.fetchone(f"SELECT max(scored_at) FROM {PREDICTIONS} WHERE dataset = ? AND role = 'champion' "
                             "AND scored_at <= CAST(? AS TIMESTAMP)", [dataset, before.isoformat(sep=" ")])
    return _naive_utc(row[0]) if row and row[0] is not None else None


def check_freshness(s3: Any, bucket: str, warehouse: Any, ds_cfg: Any, checked_at: datetime) -> Freshness:
    """Both ages of one dataset as of ``checked_at`` (its main source: the first of the dataset YAML).

    :param s3: a boto3 S3 client of the landing bucket.
    :param bucket: the landing bucket.
    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param ds_cfg: the dataset configuration.
    :param checked_at: the check time.
    """
    at = _naive_utc(checked_at)
    source = next(iter(ds_cfg.sources.values()))
    day, landed = last_landed(s3, bucket, source.prefix, at)
    return Freshness(at, day, landed, last_scored(warehouse, ds_cfg.name, at))


def freshness_evaluations(specs: list[Any], freshness: Freshness, batch_date: str) -> list[dict[str, Any]]:
    """The fixed-limit evaluations of the configured ``hours_since_*`` metrics (none for what never happened:
    a dataset without any batch yet is not late, it is new).

    :param specs: the ``freshness`` stage's metric specs.
    :param freshness: what :func:`check_freshness` found.
    :param batch_date: the check's date, ``YYYY-MM-DD`` (the history's key).
    """
    from dataops.monitoring.limits import limit_evaluation

    out = []
    for m in specs:
        hours = freshness.hours(m.kind) if m.kind in KINDS else None
        if hours is not None:
            out.append(limit_evaluation(m.name, batch_date, hours, warning=m.limits[0], critical=m.limits[1],
                                        description=freshness.describe(m.kind)))
    return out

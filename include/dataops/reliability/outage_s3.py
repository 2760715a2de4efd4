"""S3 unreachable: the real ingest while the S3 endpoint goes away at some call and comes back (or not).

One case lands a clean batch (:mod:`dataops.reliability.cases`) in a :class:`RestartableS3`, then ingests it
through a client that stops the server at the ingest's ``begins_at``-th S3 call (1: the manifest, then one per
part) while the ingest's retries (:mod:`dataops.ingest.s3_retry`) wait through a recorder that starts the
server again after ``back_after`` waits:

* back within the retries (``back_after`` < attempts): the ingest must load the batch as if nothing had
  happened: ``identical`` by the same accounting as the input classes (every row found once, as written);
* past the retries (never back): the ingest must fail with :class:`~dataops.unreachable.ServiceUnreachable`
  naming S3 and the endpoint after exactly ``attempts`` attempts, with nothing of the date visible in the
  warehouse; the server then comes back and the task's retry must load every row once: ``rejected`` (cleanly).

Any other ending is a ``mismatch`` with the problems listed; rows lost and duplicated are counted from the
warehouse after the case (:func:`dataops.reliability.accounting.account`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from dataops.datasets import load_dataset
from dataops.ingest import ingest_batch
from dataops.ingest.s3_retry import with_s3_retries
from dataops.reliability.accounting import IDENTICAL, MISMATCH, REJECTED, CaseResult, account
from dataops.reliability.cases import Case, CasePlan, PartPlan, build_case
from dataops.reliability.restartable_s3 import RestartableS3
from dataops.reliability.runner import DATASET, SOURCE, land, observe
from dataops.unreachable import ServiceUnreachable
from dataops.warehouse import Warehouse

BACK = "S3 unreachable, back within retries"
PAST = "S3 unreachable past the retries"
#: attempts per S3 call in these cases (the waits are recorded, not slept)
ATTEMPTS = 4
PARTS = 3


class OutageClient:
    """A boto3 client whose server is stopped just before its ``begins_at``-th call.

    :param client: the boto3 S3 client.
    :param server: its endpoint.
    :param begins_at: the call (1-based, every attempt counts) before which S3 goes away.
    """

    def __init__(self, client: Any, server: RestartableS3, begins_at: int) -> None:
        self.client, self.server, self.begins_at, self.calls = client, server, begins_at, 0

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.client, name)
        if name.startswith("_") or name in ("meta", "exceptions") or not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == self.begins_at:
                self.server.stop()
            return target(*args, **kwargs)

        return call


@dataclass
class Waits:
    """The retries' ``sleep``: records each wait and starts the server again after ``back_after`` of them."""

    server: RestartableS3
    back_after: int | None
    seen: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)
        if len(self.seen) == self.back_after:
            self.server.start()


def visible_rows(warehouse: Warehouse, day: date) -> int:
    """Rows of ``day`` in the raw table, the quarantine and the ingest ledger (after a failed ingest: 0)."""
    total = 0
    for table in ("raw.transactions", "raw.quarantine", "raw.ingest_files"):
        if warehouse.table_exists(table):
            row = warehouse.fetchone(f"SELECT count(*) FROM {table} WHERE batch_date = CAST(? AS DATE)",
                                     [day.isoformat()])
            total += row[0] if row else 0
    return total


@dataclass(frozen=True)
class S3Outage:
    """Where the outage begins and how long it lasts.

    :param begins_at: the ingest's S3 call before which the server stops (1: the manifest).
    :param back_after: waits after which it serves again (``None``: not before the ingest gives up).
    """

    begins_at: int
    back_after: int | None


def _ingest(server: RestartableS3, bucket: str, warehouse: Warehouse, case: Case, outage: S3Outage
            ) -> tuple[str | None, Waits, int]:
    """Ingest through the outage: (the error's message or None, the waits, rows visible right after)."""
    waits = Waits(server, outage.back_after)
    s3 = with_s3_retries(OutageClient(server.client(), server, outage.begins_at), attempts=ATTEMPTS,
                         base_delay=0.0, sleep=waits)
    try:
        ingest_batch(s3, bucket, load_dataset(DATASET), SOURCE, case.day.isoformat(), warehouse)
    except ServiceUnreachable as err:
        return str(err), waits, visible_rows(warehouse, case.day)
    return None, waits, visible_rows(warehouse, case.day)


def _problems(server: RestartableS3, outage: S3Outage, error: str | None, waits: Waits, left: int) -> list[str]:
    if outage.back_after is not None:
        wanted = [0.0] * outage.back_after
        return [] if error is None and waits.seen == wanted else [
            f"back after {outage.back_after} wait(s): error {error!r}, {len(waits.seen)} wait(s)"]
    expected = f"S3 at {server.url} unreachable after {ATTEMPTS} attempt(s) ("
    problems = [] if error and error.startswith(expected) and "connection 'aws_default'" in error else [
        f"expected an error starting {expected!r} naming the connection, got {error!r}"]
    if left:
        problems.append(f"{left} row(s) of the date visible after the failed ingest (half-written)")
    return problems


def run_s3_case(*, server: RestartableS3, bucket: str, warehouse: Warehouse, case: Case, outage: S3Outage
                ) -> CaseResult:
    """Land ``case``, ingest it through ``outage``; past the retries, bring S3 back and run the task again.

    :param server: the running S3 endpoint (running again when this returns).
    :param bucket: an existing bucket.
    :param warehouse: the warehouse the ingest writes.
    :param case: a batch every row of which should load.
    :param outage: where S3 goes away and for how long.
    """
    bodies = land(server.client(), bucket, case)
    error, waits, left = _ingest(server, bucket, warehouse, case, outage)
    problems = _problems(server, outage, error, waits, left)
    server.start()
    if error is not None:  # the task's retry, once S3 answers again
        ingest_batch(server.client(), bucket, load_dataset(DATASET), SOURCE, case.day.isoformat(), warehouse)
    result = account(case, bodies, observe(warehouse, server.client(), bucket, case))
    clean = result.outcome == IDENTICAL and not problems
    outcome = (REJECTED if error is not None else IDENTICAL) if clean else MISMATCH
    return replace(result, outcome=outcome, problems=[*problems, *result.problems])


def outages(variants: int) -> Iterator[tuple[str, S3Outage]]:
    """``variants`` outages of each class: beginning at each call in turn (manifest, part 1, part 2 ...),
    back after 1, 2 ... ``ATTEMPTS - 1`` waits, or never."""
    for n in range(variants):
        begins_at = 1 + n % (PARTS + 1)
        yield BACK, S3Outage(begins_at, 1 + n % (ATTEMPTS - 1))
        yield PAST, S3Outage(begins_at, None)


def run_s3_cases(*, server: RestartableS3, warehouse: Warehouse, variants: int, start: date) -> list[CaseResult]:
    """Every outage of :func:`outages`, each on its own batch date from ``start``, in one fresh bucket.

    :param server: the running S3 endpoint.
    :param warehouse: the warehouse the ingest writes.
    :param variants: outages per class.
    :param start: the first case's batch date.
    """
    bucket = f"outage-{uuid.uuid4().hex[:8]}"
    server.client().create_bucket(Bucket=bucket)
    results = []
    for n, (cls, outage) in enumerate(outages(variants)):
        day = start + timedelta(days=n)
        case = build_case(cls, f"call {outage.begins_at}, back after {outage.back_after}", day,
                          CasePlan(parts=tuple(PartPlan(rows=5 + 7 * i) for i in range(PARTS))), seed=n)
        results.append(run_s3_case(server=server, bucket=bucket, warehouse=warehouse, case=case, outage=outage))
    return results

"""The warehouse unreachable during the real ingest: its DuckDB file locked by another process, or PostgreSQL
ending the writing session in the middle of the partition's transaction (what a restart does to it).

* locked: a second process (:class:`FileHolder`) holds the file while the ingest runs; it lets go after
  ``back_after`` of the ingest's waits (identical: every row once), or not before the ingest gives up
  (:class:`~dataops.unreachable.ServiceUnreachable` naming the file, nothing of the date visible; the task's
  retry once the file is free loads every row once: rejected cleanly);
* ended mid-write: the server terminates the session (``pg_terminate_backend``) inside the transaction that
  replaces the partition, at its first or second load, on ``times`` attempts in a row: fewer than the attempts,
  the write is retried whole and the batch loads once (identical); on every attempt, the ingest fails naming
  PostgreSQL with the partition as it was (rejected cleanly, and loaded once by the retry).

The waits between attempts are recorded, not slept; the lock and the terminations are real. Rows are counted
from the warehouse afterwards (:func:`dataops.reliability.accounting.account`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dataops.datasets import load_dataset
from dataops.ingest import ingest_batch
from dataops.reliability.accounting import IDENTICAL, MISMATCH, REJECTED, CaseResult, account
from dataops.reliability.cases import Case, CasePlan, PartPlan, build_case
from dataops.reliability.outage_s3 import visible_rows
from dataops.reliability.runner import DATASET, SOURCE, land, observe
from dataops.unreachable import ServiceUnreachable
from dataops.warehouse import Warehouse, WarehouseLocation
from dataops.warehouse.postgres_warehouse import PostgresWarehouse

LOCK_BACK = "DuckDB file locked, released within retries"
LOCK_PAST = "DuckDB file locked past the retries"
ENDED_BACK = "PostgreSQL session ended mid-write, retried"
ENDED_PAST = "PostgreSQL session ended on every attempt"
#: warehouse attempts in these cases
ATTEMPTS = 4
_HOLD = ("import duckdb, sys\n"
         "con = duckdb.connect(sys.argv[1]); con.execute('SELECT 1')\n"
         "print('held', flush=True); sys.stdin.read()\n")


class FileHolder:
    """Another process that holds a DuckDB file (its write lock) until :meth:`release`.

    :param path: the DuckDB file.
    """

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "held":
            raise RuntimeError(f"the holder process could not open {path}")

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


class EndsMidWrite(PostgresWarehouse):
    """A PostgreSQL warehouse whose server ends the writing session at the ``at_load``-th load of a partition's
    transaction, on the first ``times`` attempts."""

    def __init__(self, location: WarehouseLocation, *, at_load: int, times: int) -> None:
        super().__init__(location)
        self.at_load, self.times, self.ended, self._loads = at_load, times, 0, 0

    def _replace_once(self, *args: Any) -> None:
        self._loads = 0
        super()._replace_once(*args)

    def _load(self, con: Any, staging: Any, load: Any) -> None:
        self._loads += 1
        if self._loads == self.at_load and self.ended < self.times:
            self.ended += 1
            con.execute("SELECT pg_terminate_backend(pg_backend_pid())")  # the server ends this session
        super()._load(con, staging, load)


@contextmanager
def _attempts() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("DATAOPS_WAREHOUSE_ATTEMPTS", "DATAOPS_WAREHOUSE_BACKOFF")}
    os.environ.update(DATAOPS_WAREHOUSE_ATTEMPTS=str(ATTEMPTS), DATAOPS_WAREHOUSE_BACKOFF="0")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _ingest(s3: Any, bucket: str, warehouse: Warehouse, case: Case) -> str | None:
    try:
        ingest_batch(s3, bucket, load_dataset(DATASET), SOURCE, case.day.isoformat(), warehouse)
    except ServiceUnreachable as err:
        return str(err)
    return None


def _ending(error: str | None, expected: str, back: bool, waits: list[float], left: int) -> list[str]:
    if back:
        return [] if error is None and waits else [f"expected a load after waits, got {error!r}, {waits}"]
    problems = [] if error and error.startswith(expected) else [f"expected {expected!r}..., got {error!r}"]
    return problems + ([f"{left} row(s) of the date visible after the failed ingest"] if left else [])


def _finish(s3: Any, bucket: str, warehouse: Warehouse, case: Case, bodies: dict[str, bytes], error: str | None,
            problems: list[str]) -> CaseResult:
    if error is not None:  # the task's retry, once the warehouse answers again
        ingest_batch(s3, bucket, load_dataset(DATASET), SOURCE, case.day.isoformat(), warehouse)
    result = account(case, bodies, observe(warehouse, s3, bucket, case))
    clean = result.outcome == IDENTICAL and not problems
    outcome = (REJECTED if error is not None else IDENTICAL) if clean else MISMATCH
    return replace(result, outcome=outcome, problems=[*problems, *result.problems])


def run_lock_case(*, s3: Any, bucket: str, warehouse: Warehouse, case: Case, back_after: int | None) -> CaseResult:
    """Ingest ``case`` while another process holds the DuckDB file, letting go after ``back_after`` waits."""
    bodies = land(s3, bucket, case)
    waits: list[float] = []
    holder = FileHolder(Path(str(warehouse.location.path)))

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == back_after:
            holder.release()

    warehouse.retry_sleep = wait
    try:
        with _attempts():
            error = _ingest(s3, bucket, warehouse, case)
    finally:
        holder.release()
    expected = f"DuckDB at {warehouse.where()} unreachable after {ATTEMPTS} attempt(s)"
    problems = _ending(error, expected, back_after is not None, waits, visible_rows(warehouse, case.day))
    return _finish(s3, bucket, warehouse, case, bodies, error, problems)


def run_ended_case(*, s3: Any, bucket: str, location: WarehouseLocation, case: Case, at_load: int, times: int
                   ) -> CaseResult:
    """Ingest ``case`` into PostgreSQL while the server ends the write's session ``times`` times in a row."""
    bodies = land(s3, bucket, case)
    warehouse = EndsMidWrite(location, at_load=at_load, times=times)
    waits: list[float] = []
    warehouse.retry_sleep = waits.append
    with _attempts():
        error = _ingest(s3, bucket, warehouse, case)
    expected = f"PostgreSQL at {warehouse.where()} unreachable after {ATTEMPTS} attempt(s)"
    problems = _ending(error, expected, times < ATTEMPTS, waits, visible_rows(warehouse, case.day))
    if warehouse.ended != times:
        problems.append(f"the session was ended {warehouse.ended} time(s), not {times}")
    return _finish(s3, bucket, warehouse, case, bodies, error, problems)


def _case(cls: str, name: str, day: date, n: int) -> Case:
    return build_case(cls, name, day, CasePlan(parts=tuple(PartPlan(rows=5 + 7 * i) for i in range(3))), seed=n)


def run_lock_cases(*, s3: Any, bucket: str, warehouse: Warehouse, variants: int, start: date) -> list[CaseResult]:
    """``variants`` cases of each lock class: released after 1, 2 ... ``ATTEMPTS - 1`` waits, or never."""
    results = []
    for n in range(variants):
        back = 1 + n % (ATTEMPTS - 1)
        for k, (cls, back_after) in enumerate(((LOCK_BACK, back), (LOCK_PAST, None))):
            case = _case(cls, f"released after {back_after} wait(s)", start + timedelta(days=2 * n + k), n)
            results.append(run_lock_case(s3=s3, bucket=bucket, warehouse=warehouse, case=case,
                                         back_after=back_after))
    return results


def run_ended_cases(*, s3: Any, bucket: str, location: WarehouseLocation, variants: int, start: date
                    ) -> list[CaseResult]:
    """``variants`` cases of each class: the session ended at the first or second load, on 1 ... ``ATTEMPTS - 1``
    attempts, or on every one."""
    results = []
    for n in range(variants):
        at_load = 1 + n % 2
        for k, (cls, times) in enumerate(((ENDED_BACK, 1 + n % (ATTEMPTS - 1)), (ENDED_PAST, ATTEMPTS))):
            case = _case(cls, f"at load {at_load}, {times} time(s)", start + timedelta(days=2 * n + k), n)
            results.append(run_ended_case(s3=s3, bucket=bucket, location=location, case=case, at_load=at_load,
                                          times=times))
    return results

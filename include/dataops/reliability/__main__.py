"""``python -m dataops.reliability`` (``make reliability``): the catalogue through the real ingest, and its table.

A real S3 API (moto's server) is started on 127.0.0.1 for the run; the warehouse is a fresh DuckDB file, and
with ``--postgres`` also a fresh database on that PostgreSQL server (dropped afterwards). Exits 1 when a row
was lost or duplicated, or a case ended neither identical nor rejected cleanly (an unhandled exception
included); the cases at fault are listed under the table.

With ``--outages`` (the default) the services themselves go away too (:mod:`dataops.reliability.outages`):
S3 unreachable during the ingest (back within the retries, or past them), SMTP unreachable when an alert is
due, the warehouse's DuckDB file locked by another process and (with ``--postgres``) PostgreSQL ending the
session in the middle of a partition's write; their rows are printed as a second table (fault class), counted the same way.

The process faults (tasks SIGKILLed, the scheduler restarted, a Celery worker killed) need the real scheduler:
the end-to-end run measures them on both stacks and writes their rows under ``test-artifacts/e2e/``; they are
printed last, with when they were measured (``--faults``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dataops import settings
from dataops.reliability.accounting import IDENTICAL, REJECTED, CaseResult
from dataops.reliability.catalogue import CLASSES, catalogue
from dataops.reliability.measured import measured_rows
from dataops.reliability.runner import run_cases
from dataops.reliability.table import passed, render, summarise
from dataops.warehouse import WarehouseLocation


@contextmanager
def s3_endpoint() -> Iterator[Any]:
    """A boto3 client of a moto S3 server on 127.0.0.1 (a free port), stopped afterwards."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                           aws_access_key_id="reliability", aws_secret_access_key="reliability")
    finally:
        server.stop()


@contextmanager
def postgres_database(url: str) -> Iterator[WarehouseLocation]:
    """A fresh database on the server of ``url`` (dropped afterwards) as a warehouse location."""
    import sqlalchemy as sa

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"dataops_reliability_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    parsed = sa.engine.make_url(url)
    try:
        yield WarehouseLocation(kind="postgres", host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                                user=parsed.username, password=parsed.password, database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _run(engine: str, s3: Any, location: WarehouseLocation, variants: int, classes: list[str] | None
         ) -> list[CaseResult]:
    bucket = f"reliability-{engine}-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    return run_cases(s3, bucket, location, catalogue(variants, classes=classes),
                     progress=lambda r: print("." if r.outcome in (IDENTICAL, REJECTED) else "!", end="", flush=True))


def _report(engine: str, results: list[CaseResult], seconds: float, kind: str = "input class") -> bool:
    rows = summarise(results)
    print(f"\n\nwarehouse: {engine} ({seconds:.0f} s)\n")
    print(render(rows, kind))
    for r in results:
        if r.outcome not in (IDENTICAL, REJECTED) or r.lost or r.duplicated:
            print(f"\n{r.cls} #{r.name}: {r.outcome}, {r.lost} lost, {r.duplicated} duplicated")
            for problem in r.problems:
                print(f"  - {problem}")
    return passed(rows)


def _outages(folder: Path, variants: int, postgres: str | None) -> bool:
    from dataops.reliability.outages import run_outages

    folder.mkdir()
    started = time.monotonic()
    if postgres:
        with postgres_database(postgres) as location:
            results = run_outages(folder=folder, variants=variants, postgres=location)
    else:
        results = run_outages(folder=folder, variants=variants)
    where = "DuckDB file" + (" and PostgreSQL" if postgres else "")
    return _report(f"{where}; outages of S3, SMTP and the warehouse", results, time.monotonic() - started,
                   "fault class")


def _faults(folder: Path) -> bool:
    """The process faults the end-to-end run measured (:mod:`dataops.reliability.measured`), or where to get them."""
    rows, when = measured_rows(folder)
    if not rows:
        print(f"\n\nprocess faults under the real scheduler: not measured yet (no {folder}/*-fault-table.json); "
              "`make e2e` (or `make test`) measures them on both stacks")
        return True
    print(f"\n\nprocess faults under the real scheduler (both stacks, measured by the end-to-end run of "
          f"{when:%Y-%m-%d %H:%M} UTC; `make e2e` measures them again)\n")
    print(render(rows, "fault class"))
    return passed(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dataops.reliability", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=6, help="cases per input class (default 6)")
    parser.add_argument("--class", dest="classes", action="append", choices=list(CLASSES),
                        help="only this input class (repeatable)")
    parser.add_argument("--postgres", metavar="URL", nargs="?", const=settings.get("DATAOPS_TEST_PG_URL"),
        help="also run on a fresh database of this PostgreSQL server (default: the test server)")
    parser.add_argument("--outages", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the outage cases: S3, SMTP and the warehouse unreachable (default: on)")
    parser.add_argument("--faults", metavar="DIR", type=Path, default=Path("test-artifacts/e2e"),
                        help="print the process-fault rows the end-to-end run wrote there (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    ok = True
    with s3_endpoint() as s3, tempfile.TemporaryDirectory(prefix="dataops-reliability-") as tmp:
        started = time.monotonic()
        results = _run("duckdb", s3, WarehouseLocation.duckdb(Path(tmp) / "warehouse.duckdb"), args.variants,
                       args.classes)
        ok &= _report("DuckDB file", results, time.monotonic() - started)
        if args.postgres:
            with postgres_database(args.postgres) as location:
                started = time.monotonic()
                results = _run("postgres", s3, location, args.variants, args.classes)
                ok &= _report("PostgreSQL", results, time.monotonic() - started)
        if args.outages:
            ok &= _outages(Path(tmp) / "outages", args.variants, args.postgres)
    ok &= _faults(args.faults)
    print("\nreliability: " + ("every landed row loaded or quarantined with a reason, or kept in a file refused "
                               "whole; none lost or duplicated" if ok else "FAILED (see above)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

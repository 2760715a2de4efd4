"""Ingest one landed batch into the warehouse, idempotently.

Every landed row ends in exactly one place: the source's raw table, or ``raw.quarantine`` with a reason,
its source file and line. A file that breaks the contract is rejected whole: its rows are quarantined with
the contract error and the file is moved to the ``quarantine/`` prefix of the bucket (never deleted). A file
that cannot be read at all (not gzip, truncated, a line over 8 MiB: :mod:`dataops.ingest.reading`) is rejected
whole and moved the same way, with the cause in the ledger; a manifest that cannot be trusted refuses the whole
batch (:class:`~dataops.ingest.errors.ManifestInvalid`).
Rerunning a date with the same delivery changes nothing (the ledger recognises the checksums); a changed
delivery is loaded as a new version that replaces the date's partition in one transaction.
"""

from __future__ import annotations

import gzip
import logging
import re
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dataops.datasets.config import DatasetConfig, SourceSpec
from dataops.ingest import landing
from dataops.ingest.errors import ContractViolation
from dataops.ingest.reading import MAX_LINE_BYTES, Prepared, UnreadableFile, prepare
from dataops.ingest.report import FileOutcome, IngestReport
from dataops.ingest.rules import RAW_RECORD, field, reason_expression, sql_type, type_failure, typed_select
from dataops.ingest.s3_retry import with_s3_retries
from dataops.ingest.tables import LEDGER, QUARANTINE, ensure_raw_tables
from dataops.warehouse import RowsInsert, StagedLoad, Warehouse, WarehouseLocation, open_warehouse

log = logging.getLogger(__name__)

#: A column whose values mostly fail to cast has changed type: that is a contract break, not bad rows.
TYPE_CHANGE_SHARE = 0.5


def read_header(prepared: Prepared) -> list[str]:
    """The column names of the file's first line (a UTF-8 byte order mark before it is not part of the name)."""
    opener = gzip.open if prepared.compression == "gzip" else open
    with opener(prepared.path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
        first = re.split(r"\r\n|\r|\n", fh.readline(), maxsplit=1)[0]
    return [h.strip() for h in first.removeprefix("\ufeff").split(",")]


def check_header(key: str, header: list[str], source: SourceSpec) -> dict[str, int]:
    """Positions of the contract's columns in ``header``; ContractViolation if a column is missing or extra."""
    expected = source.column_names
    if header == [""]:
        raise ContractViolation(key, "(header)", "a first line naming the columns", "an empty first line")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ContractViolation(key, dupes[0], "each column once", f"{header.count(dupes[0])} columns named so")
    for col in source.columns:
        if col.name not in header:
            extra = [h for h in header if h not in expected]
            found = f"no such column (unexpected columns: {', '.join(extra)})" if extra else "no such column"
            raise ContractViolation(key, col.name, f"a column of type {col.type}", found)
    for name in header:
        if name not in expected:
            raise ContractViolation(key, name, f"only the columns {', '.join(expected)}", "an extra column")
    return {name: header.index(name) for name in expected}


def _stage_lines(con, prepared: Prepared, key: str) -> None:
    """Read every line of a prepared file, numbered, into temp table ``lines`` (line 1 is the header); a line
    :func:`~dataops.ingest.reading.prepare` found flawed carries its ``flaw``."""
    con.execute("DROP TABLE IF EXISTS lines")
    con.execute(
        "CREATE TEMP TABLE lines AS SELECT ? AS source_file, CAST(row_number() OVER () AS INTEGER) AS source_line,"
        " line, string_split(line, ',') AS fields, CAST(NULL AS VARCHAR) AS flaw FROM read_csv(?, "
        "columns={'line': 'VARCHAR'}, header=false, delim=chr(31), quote='', escape='', auto_detect=false, "
        f"strict_mode=false, max_line_size={MAX_LINE_BYTES + 2}, compression=?)",
        [key, str(prepared.path), prepared.compression],
    )
    if prepared.flaws:
        con.executemany("UPDATE lines SET flaw = ? WHERE source_line = ?",
                        [[flaw, line] for line, flaw in sorted(prepared.flaws.items())])


def _check_types(con, key: str, source: SourceSpec, positions: dict[str, int]) -> None:
    n = len(positions)
    bad, total, example = con.execute(
        f"SELECT count(*) FILTER (WHERE len(fields) <> {n}), count(*), any_value(line) FILTER (WHERE len(fields) <> {n})"
        " FROM lines WHERE source_line > 1 AND trim(line) <> ''").fetchone()
    if total and bad / total > TYPE_CHANGE_SHARE:
        raise ContractViolation(key, "(every column)", f"{n} comma-separated fields per line",
                                f"{bad / total:.0%} of lines have another count (e.g. {example[:80]!r})")
    for col in source.columns:
        failure = type_failure(col, positions[col.name])
        if failure is None:
            continue
        v = field(positions[col.name])
        bad, total, example = con.execute(
            f"SELECT count(*) FILTER (WHERE {failure}), count({v}), any_value({v}) FILTER (WHERE {failure}) "
            f"FROM lines WHERE source_line > 1 AND len(fields) = {n}"
        ).fetchone()
        if total and bad / total > TYPE_CHANGE_SHARE:
            raise ContractViolation(key, col.name, f"values of type {col.type}",
                                    f"{bad / total:.0%} of values are not (e.g. {example!r})")


def _quarantine_file(con, key: str, reason: str) -> int:
    con.execute(f"INSERT INTO bad SELECT source_file, source_line, ?, {RAW_RECORD} FROM lines WHERE source_line > 1",
                [reason])
    return con.execute("SELECT count(*) FROM lines WHERE source_line > 1").fetchone()[0]


def _classify_file(con, source: SourceSpec, positions: dict[str, int]) -> tuple[int, int]:
    reason = reason_expression(list(source.columns), positions)
    con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS SELECT *, {reason} AS reason FROM lines "
                "WHERE source_line > 1")
    con.execute(f"INSERT INTO bad SELECT source_file, source_line, reason, {RAW_RECORD} FROM checked "
                "WHERE reason IS NOT NULL")
    con.execute(f"INSERT INTO good SELECT {typed_select(list(source.columns), positions)}, source_file, source_line "
                "FROM checked WHERE reason IS NULL")
    return con.execute("SELECT count(*) FILTER (WHERE reason IS NULL), count(*) FILTER (WHERE reason IS NOT NULL) "
                       "FROM checked").fetchone()


def _quarantine_duplicate_keys(con, key_column: str) -> None:
    """Second and later rows with the same key (within the whole batch) go to quarantine."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE dup AS
        SELECT source_file, source_line,
               'duplicate_key: {key_column} ' || {key_column} || ' first seen at ' || first_file || ':' || first_line
                   AS reason
        FROM (SELECT *, row_number() OVER w AS n, first_value(source_file) OVER w AS first_file,
                     first_value(source_line) OVER w AS first_line
              FROM good WINDOW w AS (PARTITION BY {key_column} ORDER BY source_file, source_line))
        WHERE n > 1""")
    con.execute("""INSERT INTO bad SELECT d.source_file, d.source_line, d.reason, l.line FROM dup d
                   JOIN all_lines l USING (source_file, source_line)""")
    con.execute("DELETE FROM good WHERE (source_file, source_line) IN (SELECT source_file, source_line FROM dup)")


LEDGER_COLUMNS = ("dataset", "source", "batch_date", "version", "file_key", "sha256", "batch_fingerprint",
                  "rows_landed", "rows_loaded", "rows_quarantined", "status", "message", "ingested_at")
QUARANTINE_COLUMNS = ("dataset", "source", "batch_date", "source_file", "source_line", "reason", "raw_record",
                      "ingest_version", "quarantined_at")
RAW_EXTRA_COLUMNS = ("batch_date", "source_file", "source_line", "ingest_version", "loaded_at")


def _previous(warehouse: Warehouse, dataset: str, source: str, batch_date: str) -> tuple[int, str | None]:
    """(last version, its batch fingerprint) of the date; ``(0, None)`` if never loaded."""
    row = warehouse.fetchone(
        f"SELECT version, batch_fingerprint FROM {LEDGER} WHERE dataset = ? AND source = ? "
        "AND batch_date = CAST(? AS DATE) ORDER BY version DESC LIMIT 1", [dataset, source, batch_date])
    return (row[0] or 0, row[1]) if row else (0, None)


def _ledger_report(warehouse: Warehouse, dataset: str, source: str, batch_date: str,
                   version: int) -> IngestReport:
    """The report of an already loaded version, rebuilt from the ledger (status ``unchanged``)."""
    rows = warehouse.fetchall(
        f"SELECT file_key, sha256, rows_landed, rows_loaded, rows_quarantined, status, message FROM {LEDGER} "
        "WHERE dataset = ? AND source = ? AND batch_date = CAST(? AS DATE) AND version = ? ORDER BY file_key",
        [dataset, source, batch_date, version])
    return IngestReport(dataset, source, batch_date, version, "unchanged", [FileOutcome(*r) for r in rows])


def ingest_batch(s3, bucket: str, dataset: DatasetConfig, source_name: str, batch_date: str,
                 location: Warehouse | WarehouseLocation, workdir: str | Path | None = None) -> IngestReport:
    """Load one batch of one source into the warehouse.

    :param s3: a boto3 S3 client.
    :param bucket: the landing bucket.
    :param dataset: the dataset configuration (contract of each source).
    :param source_name: which source of the dataset (e.g. ``transactions``, ``chargebacks``).
    :param batch_date: ``YYYY-MM-DD``.
    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse` or its location). Parsing runs in
        its staging DuckDB connection (the warehouse file itself, or in memory in front of PostgreSQL).
    :param workdir: where to download the parts (a temporary folder by default).
    :raises BatchNotLanded: the manifest is missing.
    :raises ServiceUnreachable: S3 did not answer after every attempt (``DATAOPS_S3_ATTEMPTS``, with backoff):
        nothing of the batch is published (the partition is replaced in one transaction after every part was
        read), so a retry of the task loads every row once.
    """
    s3 = with_s3_retries(s3)
    warehouse = open_warehouse(location)
    source = dataset.sources[source_name]
    manifest = landing.read_manifest(s3, bucket, source.prefix, batch_date)
    ensure_raw_tables(warehouse, source)
    last_version, last_fingerprint = _previous(warehouse, dataset.name, source_name, batch_date)
    if last_fingerprint == manifest.fingerprint:
        log.info("batch unchanged since version %s (same checksums): nothing to do", last_version)
        report = _ledger_report(warehouse, dataset.name, source_name, batch_date, last_version)
    else:
        report = _load_version(s3, bucket, warehouse, dataset.name, source, batch_date, last_version + 1, manifest,
                               workdir)
    # after the partition is published; an unchanged rerun repeats a move S3 interrupted (moved ones: no-ops)
    for outcome in report.rejected:
        landing.move_to_quarantine(s3, bucket, outcome.key)
    return report


def _load_version(s3, bucket: str, warehouse: Warehouse, dataset: str, source: SourceSpec, batch_date: str,
                  version: int, manifest: landing.Manifest, workdir: str | Path | None) -> IngestReport:
    """Read every part into the staging connection, then publish the version in one transaction."""
    log.info("loading %s.%s %s v%s: %s part(s)", dataset, source.name, batch_date, version, len(manifest.parts))
    report = IngestReport(dataset, source.name, batch_date, version, "loaded")
    with warehouse.staging() as con:
        _create_work_tables(con, source)
        with tempfile.TemporaryDirectory(dir=workdir) as tmp:
            seen: dict[str, str] = {}
            for part in manifest.parts:
                report.files.append(_ingest_file(con, s3, bucket, part, source, Path(tmp), seen))
        _quarantine_duplicate_keys(con, source.key)
        _recount(con, report)
        _publish(warehouse, con, dataset, source, batch_date, version, manifest.fingerprint, report)
    return report


def _create_work_tables(con, source: SourceSpec) -> None:
    cols = ", ".join(f"{c.name} {sql_type(c)}" for c in source.columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE good ({cols}, source_file VARCHAR, source_line INTEGER)")
    con.execute("CREATE OR REPLACE TEMP TABLE bad (source_file VARCHAR, source_line INTEGER, reason VARCHAR, "
                "raw_record VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE all_lines (source_file VARCHAR, source_line INTEGER, line VARCHAR)")


def _checksum_error(part, sha: str) -> str | None:
    return f"{part.key}: checksum {sha} differs from the manifest's" if sha != part.sha256 else None


def _ingest_file(con, s3, bucket: str, part, source: SourceSpec, tmp: Path, seen: dict[str, str]) -> FileOutcome:
    path, sha = landing.download(s3, bucket, part.key, tmp)
    try:
        prepared = prepare(path)
    except UnreadableFile as err:  # nothing to stage: rejected whole, the file is kept in the quarantine prefix
        message = _checksum_error(part, sha) or f"{part.key}: unreadable: {err}"
        return FileOutcome(key=part.key, sha256=sha, rows_landed=0, status="rejected", message=message)
    _stage_lines(con, prepared, part.key)
    landed = con.execute("SELECT count(*) FROM lines WHERE source_line > 1").fetchone()[0]
    outcome = FileOutcome(key=part.key, sha256=sha, rows_landed=landed)
    if landed != part.rows:
        log.warning("%s: manifest says %s rows, the file has %s", part.key, part.rows, landed)
    checksum = _checksum_error(part, sha)
    if checksum:
        outcome.status, outcome.message = "rejected", checksum
    elif sha in seen:
        outcome.status = "duplicate_file"
        outcome.message = f"{part.key}: same content as {seen[sha]} (duplicate delivery)"
    else:
        seen[sha] = part.key
        try:
            positions = check_header(part.key, read_header(prepared), source)
            _check_types(con, part.key, source, positions)
        except ContractViolation as err:
            outcome.status, outcome.message = "rejected", f"contract: {err}"
        else:
            con.execute("INSERT INTO all_lines SELECT source_file, source_line, line FROM lines WHERE source_line > 1")
            _classify_file(con, source, positions)
            return outcome
    _quarantine_file(con, part.key, outcome.message)
    return outcome


def _recount(con, report: IngestReport) -> None:
    loaded = dict(con.execute("SELECT source_file, count(*) FROM good GROUP BY 1").fetchall())
    quarantined = dict(con.execute("SELECT source_file, count(*) FROM bad GROUP BY 1").fetchall())
    for f in report.files:
        f.rows_loaded, f.rows_quarantined = loaded.get(f.key, 0), quarantined.get(f.key, 0)


def _publish(warehouse: Warehouse, con: Any, dataset: str, source: SourceSpec, batch_date: str, version: int,
             fingerprint: str, report: IngestReport) -> None:
    """Replace the date's partition and its quarantine rows and add the ledger rows, in one transaction.

    :param con: the staging connection holding temp tables ``good`` and ``bad``.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    day = date.fromisoformat(batch_date)
    stamp = [day, version, now]
    warehouse.replace(
        con,
        deletes=[(f"DELETE FROM {source.raw_table} WHERE batch_date = CAST(? AS DATE)", [batch_date]),
                 (f"DELETE FROM {QUARANTINE} WHERE dataset = ? AND source = ? AND batch_date = CAST(? AS DATE)",
                  [dataset, source.name, batch_date])],
        loads=[StagedLoad(source.raw_table, (*source.column_names, *RAW_EXTRA_COLUMNS),
                          f"SELECT {', '.join(source.column_names)}, CAST(? AS DATE), source_file, source_line, "
                          "CAST(? AS INTEGER), CAST(? AS TIMESTAMP) FROM good ORDER BY source_file, source_line",
                          stamp),
               StagedLoad(QUARANTINE, QUARANTINE_COLUMNS,
                          "SELECT CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS DATE), source_file, "
                          "source_line, reason, raw_record, CAST(? AS INTEGER), CAST(? AS TIMESTAMP) FROM bad "
                          "ORDER BY source_file, source_line", [dataset, source.name, *stamp])],
        rows=[RowsInsert(LEDGER, LEDGER_COLUMNS,
                         [(dataset, source.name, day, version, f.key, f.sha256, fingerprint, f.rows_landed,
                           f.rows_loaded, f.rows_quarantined, f.status, f.message, now) for f in report.files])])

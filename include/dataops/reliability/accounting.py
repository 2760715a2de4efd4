"""Where every landed row of a case ended, counted from the warehouse and the bucket, not from the ingest's report.

Two independent counts per case, the worse of the two is kept:

* by row id: every id written in a file that was not rejected is in ``raw.transactions`` or in the
  ``raw_record`` of a ``raw.quarantine`` row as many times as it was written (duplicate ids: once loaded,
  then quarantined), never loaded twice; a file rejected whole is kept byte for byte under ``quarantine/``
  (a refused batch: where it landed) and none of its rows is loaded;
* by line, as the loader numbers them: each line of a loaded file is in exactly one of the two tables, and
  the ledger's ``rows_landed`` of the file is their number.

A case ends ``identical`` (nothing rejected; each row the generator meant to load is loaded with exactly its
values, each row meant for quarantine is quarantined, every quarantined row has a reason), ``rejected`` (a
file or the batch refused whole with a message naming it and the cause; the other files as above), else
``mismatch``; an exception the ingest does not raise on purpose is ``unhandled``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dataops.ingest.landing import QUARANTINE_PREFIX
from dataops.reliability.cases import Case
from dataops.reliability.rows import ANY, COLUMNS, LOAD, Line

IDENTICAL, REJECTED, MISMATCH, UNHANDLED = "identical", "rejected", "mismatch", "unhandled"
_ID = re.compile(r"\d{8}-\d{8}")


@dataclass
class Observed:
    """What a case left behind (all of its batch date).

    :param raw: ``raw.transactions`` rows: the contract's columns, then ``source_file``, ``source_line``.
    :param quarantine: ``(source_file, source_line, reason, raw_record)``.
    :param ledger: latest version's ledger rows: ``(file_key, rows_landed, rows_loaded, rows_quarantined, status,
        message)``.
    :param objects: key -> SHA-256 of every object under the partition and its quarantine copy.
    :param statuses: file key -> ``(status, message)`` from the ingest's report.
    :param batch_error: the message of a batch refused whole.
    :param unhandled: an exception the ingest did not mean to raise.
    """

    raw: list[tuple] = field(default_factory=list)
    quarantine: list[tuple] = field(default_factory=list)
    ledger: list[tuple] = field(default_factory=list)
    objects: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, tuple[str, str]] = field(default_factory=dict)
    batch_error: str | None = None
    unhandled: str | None = None


@dataclass
class CaseResult:
    """The accounting of one case: a row of evidence behind the table."""

    cls: str
    name: str
    files: int
    rows: int
    outcome: str
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)


def partition_of(case: Case, prefix: str = "transactions") -> str:
    return f"{prefix}/batch_date={case.day.isoformat()}"


def _same(expected: str, loaded: Any) -> bool:
    if isinstance(loaded, datetime):
        return loaded == datetime.fromisoformat(expected)
    if isinstance(loaded, float):
        return loaded == float(expected)
    return str(loaded) == expected


@dataclass
class _Tally:
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(text)


def _kept(key: str, body: bytes, obs: Observed, refused_batch: bool) -> bool:
    """Whether a file refused whole is still in the bucket, byte for byte."""
    where = key if refused_batch else f"{QUARANTINE_PREFIX}/{key}"
    return obs.objects.get(where) == hashlib.sha256(body).hexdigest()


def _names_file_and_cause(message: str, key: str) -> bool:
    return bool(message) and key.rsplit("/", 1)[0] in message and len(message) > len(key) + 8


def _check_refused(case: Case, bodies: dict[str, bytes], obs: Observed, tally: _Tally) -> set[str]:
    """The keys refused whole (every key when the batch was refused): each kept, none loaded, message given."""
    partition = partition_of(case)
    refused = {f"{partition}/{p.name}" for p in case.parts} if obs.batch_error else \
        {k for k, (status, _) in obs.statuses.items() if status == "rejected"}
    for part in case.parts:
        key = f"{partition}/{part.name}"
        if key not in refused:
            continue
        message = obs.batch_error or obs.statuses[key][1]
        if not _names_file_and_cause(message, key):
            tally.problem(f"{key}: refused without naming the file and the cause: {message!r}")
        if not _kept(key, bodies[part.name], obs, bool(obs.batch_error)):
            tally.lost += sum(1 for line in part.lines if line.row_id)
            tally.problem(f"{key}: refused but not kept in the bucket as it landed")
    loaded_from_refused = sum(1 for r in obs.raw if r[-2] in refused)
    if loaded_from_refused:
        tally.duplicated += loaded_from_refused
        tally.problem(f"{loaded_from_refused} row(s) loaded from files refused whole")
    if obs.batch_error and obs.quarantine:
        tally.problem("a refused batch left rows in raw.quarantine")
    return refused


def _count_ids(case: Case, obs: Observed, refused: set[str], tally: _Tally) -> None:
    partition = partition_of(case)
    written = Counter(line.row_id for p in case.parts if f"{partition}/{p.name}" not in refused
                      for line in p.lines if line.row_id)
    loaded = Counter(r[0] for r in obs.raw if r[-2] not in refused)
    quarantined = Counter(i for q in obs.quarantine if q[0] not in refused for i in set(_ID.findall(q[3] or "")))
    for row_id in written.keys() | loaded.keys():
        found = loaded[row_id] + quarantined[row_id]
        tally.lost += max(0, written[row_id] - found)
        tally.duplicated += max(0, found - written[row_id]) + max(0, loaded[row_id] - 1)
        if written[row_id] != found or loaded[row_id] > 1:
            tally.problem(f"id {row_id}: written {written[row_id]}, loaded {loaded[row_id]}, "
                          f"quarantined {quarantined[row_id]}")


def _count_lines(obs: Observed, refused: set[str], tally: _Tally) -> None:
    """The loader's own view: each numbered line in exactly one table, as many as the ledger says landed."""
    places = Counter((r[-2], r[-1]) for r in obs.raw) + Counter((q[0], q[1]) for q in obs.quarantine)
    repeated = sum(n - 1 for n in places.values() if n > 1)
    lost = 0
    for key, landed, loaded, quarantined, _status, _message in obs.ledger:
        if key in refused:
            continue
        present = {line for (k, line) in places if k == key}
        lost += len(set(range(2, landed + 2)) - present)
        if landed != loaded + quarantined:
            tally.problem(f"ledger of {key}: {landed} landed != {loaded} loaded + {quarantined} quarantined")
    tally.lost = max(tally.lost, lost)
    tally.duplicated = max(tally.duplicated, repeated)


def _check_expectations(case: Case, obs: Observed, refused: set[str], tally: _Tally) -> bool:
    """Every row meant to load is loaded with its values; a row meant for quarantine is not loaded (an id
    written twice is loaded once: the line meant to load); every quarantined row has a reason. Returns whether
    all held."""
    partition = partition_of(case)
    raw = {(r[0], r[-2]): r for r in obs.raw}
    loaded = Counter((r[0], r[-2]) for r in obs.raw)
    ok = all(q[2] for q in obs.quarantine)
    if not ok:
        tally.problem("a quarantined row without a reason")
    for part in case.parts:
        key = f"{partition}/{part.name}"
        if key in refused:
            continue
        for line in part.lines:
            ok &= _line_as_expected(line, raw.get((line.row_id, key)), key, tally)
        ok &= _loads_as_meant(part.lines, key, loaded, tally)
    return ok


def _loads_as_meant(lines: list[Line], key: str, loaded: Counter, tally: _Tally) -> bool:
    """Per id of the file: loaded as many times as lines meant to load it (ids of ``any`` lines aside)."""
    meant = Counter(line.row_id for line in lines if line.row_id and line.expect == LOAD)
    free = {line.row_id for line in lines if line.expect == ANY}
    ok = True
    for row_id in {line.row_id for line in lines if line.row_id} - free:
        if loaded[(row_id, key)] != meant[row_id]:
            tally.problem(f"{key}: {row_id} loaded {loaded[(row_id, key)]} time(s), meant {meant[row_id]}")
            ok = False
    return ok


def _line_as_expected(line: Line, row: tuple | None, key: str, tally: _Tally) -> bool:
    if line.row_id is None or line.expect != LOAD:
        return True  # counted by _loads_as_meant
    same = row is not None and all(_same(v, row[i]) for i, v in enumerate(line.values))
    if not same:
        tally.problem(f"{key}: {line.row_id} meant to load as written, found {row!r:.200}")
    return same


def account(case: Case, bodies: dict[str, bytes], obs: Observed) -> CaseResult:
    """The case's outcome, rows lost and rows duplicated.

    :param case: the case as generated.
    :param bodies: part name -> the bytes that landed.
    :param obs: what the ingest left behind.
    """
    rows = sum(1 for p in case.parts for line in p.lines if line.row_id)
    tally = _Tally()
    if obs.unhandled:
        tally.problem(obs.unhandled)
        return CaseResult(case.cls, case.name, len(case.parts), rows, UNHANDLED, problems=tally.problems)
    refused = _check_refused(case, bodies, obs, tally)
    _count_ids(case, obs, refused, tally)
    if not obs.batch_error:
        _count_lines(obs, refused, tally)
    as_expected = _check_expectations(case, obs, refused, tally)
    clean = as_expected and not tally.problems and not tally.lost and not tally.duplicated
    outcome = MISMATCH if not clean else REJECTED if refused else IDENTICAL
    return CaseResult(case.cls, case.name, len(case.parts), rows, outcome, tally.lost, tally.duplicated,
                      tally.problems)


def check_columns(columns: list[str]) -> None:
    """The generator writes the ``transactions`` contract: refuse to account for another one."""
    if tuple(columns) != COLUMNS:
        raise ValueError(f"the reliability cases write the columns {COLUMNS}, the source has {tuple(columns)}")

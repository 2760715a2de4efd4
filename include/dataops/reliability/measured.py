"""Rows of the reliability table measured elsewhere: the process faults that only the real scheduler shows.

The end-to-end run (``make e2e``, part of ``make test``) kills tasks and restarts the scheduler on both stacks
and writes each stack's rows to ``test-artifacts/e2e/<stack>-fault-table.json`` (a list of objects with the
fields of :class:`dataops.reliability.table.ClassRow`; ``files`` is absent, nothing is landed for a fault).
``make reliability`` prints them under its own table, with when they were measured.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from dataops.reliability.table import ClassRow

SUFFIX = "-fault-table.json"
FIELDS = ("cases", "rows", "identical", "other", "lost", "duplicated")


def read_rows(path: Path) -> list[ClassRow]:
    """The rows of one file, each checked to carry every count.

    :param path: a ``<stack>-fault-table.json``.
    :raises ValueError: naming the file and the field when a row is incomplete.
    """
    rows = []
    for n, item in enumerate(json.loads(path.read_text())):
        missing = [f for f in ("cls", *FIELDS) if f not in item]
        if missing:
            raise ValueError(f"{path}: row {n} lacks {', '.join(missing)}")
        rows.append(ClassRow(item["cls"], **{f: int(item[f]) for f in FIELDS}))
    return rows


def measured_rows(folder: Path, pattern: str = f"*{SUFFIX}") -> tuple[list[ClassRow], datetime | None]:
    """Every stack's fault rows found in ``folder``, then their total; and when the newest file was written.

    :param folder: where the end-to-end run writes its reports.
    :param pattern: of the files read (one stack's: its file name).
    :return: ``([], None)`` when no run has written one yet.
    """
    files = sorted(folder.glob(pattern)) if folder.is_dir() else []
    if not files:
        return [], None
    rows = [row for path in files for row in read_rows(path)]
    total = ClassRow("total")
    for row in rows:
        for f in FIELDS:
            setattr(total, f, getattr(total, f) + getattr(row, f))
    newest = max(p.stat().st_mtime for p in files)
    return [*rows, total], datetime.fromtimestamp(newest, tz=UTC)

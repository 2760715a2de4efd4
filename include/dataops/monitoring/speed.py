"""The pipeline's own speed: how long each task of a run worked, and rows per second where its rows are known.

The durations are Airflow's task-instance records of the run: the ``duration`` of each finished task instance,
as the execution API hands them to a task of the same run (``RuntimeTaskInstance.get_task_breadcrumbs``), the
numbers the grid shows. Mapped instances of a task add up (seconds of work); only successful ones count (a
failed or skipped try did not do the day's work, and a retried task's record is its last try).

- ``task_seconds.<task_id>``: seconds of work of the task in the run;
- ``task_rows_per_second.<task_id>``: the rows the task handled per second of its work: ``rows_loaded`` (rows of
  the batch in the main source's raw table) or ``rows_scored`` (the champion's predictions of the batch).

They are judged with SPC like every metric (Shewhart for a jump, EWMA for a slow leak; the dataset's metrics
file says which, and ``alert_side`` that only slower is alerted) and told to operations (``notify: operations``).
Their values differ on a rerun by design: a rerun of a day measures its own run (a load that finds the same
delivery already loaded takes a second: its rows per second look high, never an alert on the slow side).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dataops.identifiers import checked_table
from dataops.quality.metrics import MetricValue

KINDS = ("task_seconds", "task_rows_per_second")
#: what a ``task_rows_per_second`` metric divides by the task's seconds
ROW_COUNTS = ("rows_loaded", "rows_scored")


def task_seconds(breadcrumbs: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """task_id -> seconds of work of its successful instances (mapped instances summed).

    :param breadcrumbs: the run's finished task instances (``task_id``, ``map_index``, ``state``, ``duration``).
    """
    out: dict[str, float] = {}
    for crumb in breadcrumbs:
        if crumb.get("state") == "success" and crumb.get("duration") is not None:
            out[crumb["task_id"]] = out.get(crumb["task_id"], 0.0) + float(crumb["duration"])
    return out


def _rows(warehouse: Any, dataset: str, raw_table: str, batch_date: str, count: str) -> int | None:
    """The batch's ``rows_loaded`` or ``rows_scored`` (None when the table does not exist yet)."""
    from dataops.scoring.batch import PREDICTIONS

    if count == "rows_scored":
        table, where, params = PREDICTIONS, "dataset = ? AND role = 'champion' AND ", [dataset]
    else:
        table, where, params = raw_table, "", []
    if not warehouse.table_exists(table):
        return None
    row = warehouse.fetchone(f"SELECT count(*) FROM {checked_table(table)} WHERE {where}"
                             "batch_date = CAST(? AS DATE)", [*params, batch_date])
    return int(row[0]) if row else None


def measure_speed(warehouse: Any, specs: list[Any], dataset: str, raw_table: str, batch_date: str,
                  seconds: Mapping[str, float]) -> list[MetricValue]:
    """The ``pipeline`` stage's values: a metric whose task did not succeed in the run has none (learning).

    :param warehouse: a :class:`~dataops.warehouse.Warehouse` (the row counts).
    :param specs: the stage's metric specs (``column``: the task id; ``value``: the row count it divides).
    :param dataset: dataset name (its predictions).
    :param raw_table: the raw table of the metrics file's main source (its rows of the batch: ``rows_loaded``).
    :param batch_date: the run's batch, ``YYYY-MM-DD``.
    :param seconds: what :func:`task_seconds` found in the run's records.
    """
    counts: dict[str, int | None] = {}
    out = []
    for m in specs:
        secs = seconds.get(m.column)
        if m.kind == "task_seconds":
            out.append(MetricValue(m.name, None if secs is None else round(secs, 3)))
            continue
        if m.value not in counts:
            counts[m.value] = _rows(warehouse, dataset, raw_table, batch_date, m.value)
        rows = counts[m.value]
        rate = round(rows / secs, 3) if rows and secs else None
        out.append(MetricValue(m.name, rate))
    return out


def describe(seconds: Mapping[str, float]) -> str:
    """One line for the task log: the slowest tasks first."""
    slowest = sorted(seconds.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{task} {secs:.1f} s" for task, secs in slowest) or "no finished task"

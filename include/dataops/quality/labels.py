"""An analyst's label on a batch: update the history, audit it, re-judge the batch for a false positive."""

from __future__ import annotations

from typing import Any

from dataops.identifiers import checked_name, checked_text
from dataops.quality.gate import reevaluate_batch
from dataops.quality.history import set_label
from dataops.spc import FALSE_POSITIVE
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse


def apply_label(location: Warehouse | WarehouseLocation | str, dataset: str, batch_date: str, verdict: str, *,
                comment: str, labelled_by: str, metrics: list[str] | None = None,
                run_id: str | None = None) -> dict[str, Any]:
    """Label the batch's points and return what changed (small JSON for XCom).

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    :param dataset: dataset name.
    :param batch_date: ``YYYY-MM-DD``.
    :param verdict: ``known_bad`` or ``false_positive``.
    :param comment: the analyst's reason.
    :param labelled_by: who labelled.
    :param metrics: only these metrics (default: all of the batch).
    :param run_id: the labelling run.
    :raises ValueError: not a dataset name, a comment or metric with a control character or too long (the
        values are stored and compared through parameters, never built into SQL).
    """
    checked_name(dataset, "dataset")
    checked_text(comment, "the comment")
    for metric in metrics or []:
        checked_text(metric, "a metric name", 200)
    warehouse = open_warehouse(location)
    labelled = set_label(warehouse, dataset, batch_date, verdict, labelled_by=labelled_by, comment=comment,
                         metrics=metrics, run_id=run_id)
    out: dict[str, Any] = {"dataset": dataset, "batch_date": batch_date, "verdict": verdict, "labelled": labelled}
    if verdict == FALSE_POSITIVE:
        result = reevaluate_batch(warehouse, dataset, batch_date, run_id=run_id)
        out.update(reevaluated_verdict=result.verdict, blocking=result.blocking,
                   acknowledged=[f["metric"] for f in result.acknowledged],
                   still_blocking=[result.describe(f) for f in result.critical])
    return out

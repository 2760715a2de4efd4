"""Did the score distribution drift on a batch, or the champion's outcome drop on a matured scoring day?
(Read from the SPC history the post-score and outcome stages of the gate wrote.)"""

from __future__ import annotations

from dataops.quality.history import HISTORY
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse

SCORE_METRICS = ("score_mean", "score_flag_rate")


def score_drift(location: Warehouse | WarehouseLocation | str, dataset: str, batch_date: str) -> list[str]:
    """Names of the score metrics whose verdict on ``batch_date`` was ``warning`` or ``critical``.

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    :param dataset: dataset name.
    :param batch_date: ``YYYY-MM-DD``.
    """
    warehouse = open_warehouse(location)
    if not warehouse.table_exists(HISTORY):
        return []
    marks = ", ".join("?" for _ in SCORE_METRICS)
    rows = warehouse.fetchall(
        f"SELECT metric FROM {HISTORY} WHERE dataset = ? AND batch_date = CAST(? AS DATE) "
        f"AND metric IN ({marks}) AND verdict IN ('warning', 'critical') ORDER BY metric",
        [dataset, batch_date, *SCORE_METRICS])
    return [r[0] for r in rows]


def outcome_drift(location: Warehouse | WarehouseLocation | str, dataset: str, scoring_day: str) -> list[str]:
    """Names of the outcome metrics of ``scoring_day`` flagged ``warning`` or ``critical`` *below* their centre
    (a better outcome than usual is no reason to retrain).

    The outcome metrics are the dataset's ``stage: outcome`` metrics (an EWMA companion included). One whose
    SPC only alerts below its centre (``alert_side: below``) counts whenever flagged: an EWMA chart flags the
    run of days, and the day that completes it may itself lie above the centre. Any other counts when the
    flagged day's value lies below the centre.

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    :param dataset: dataset name.
    :param scoring_day: the scoring day whose labels matured, ``YYYY-MM-DD``.
    """
    from dataops.monitoring.outcomes import KINDS
    from dataops.quality.config import load_quality_config

    warehouse = open_warehouse(location)
    specs = [m for m in load_quality_config(dataset).stage("outcome") if m.kind in KINDS]
    if not specs or not warehouse.table_exists(HISTORY):
        return []
    below = {m.name for m in specs if m.spc.alert_side == "below"}
    marks = ", ".join("?" for _ in specs)
    rows = warehouse.fetchall(
        f"SELECT metric, value, centre FROM {HISTORY} WHERE dataset = ? AND batch_date = CAST(? AS DATE) "
        f"AND metric IN ({marks}) AND verdict IN ('warning', 'critical') ORDER BY metric",
        [dataset, scoring_day, *(m.name for m in specs)])
    return [name for name, value, centre in rows
            if name in below or (value is not None and centre is not None and value < centre)]

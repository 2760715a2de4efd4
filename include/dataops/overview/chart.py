"""A metric's control chart over its last batches, read from ``quality.metric_history``.

Centre, limits and zones come from :func:`dataops.spc.chart_series` (each batch judged against the history
before it, as the gate judged it, with today's labels); the verdict and the rules of each point are the
ones the gate recorded that day (what actually fired). A metric the SPC config does not know (the file
contract's ``contract.rejected_files``) is charted from its recorded centre and limits, without zones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from dataops.overview.tiles import as_date, parse_rules
from dataops.quality.config import QualityConfig, load_quality_config
from dataops.quality.history import HISTORY
from dataops.spc import ChartPoint, MetricConfig, Point, chart_series
from dataops.spc.models import EXCLUDED_STATUSES
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse

CHART_POINTS = 90


@dataclass(frozen=True)
class Recorded:
    """One row of the history as the gate wrote it."""

    point: Point
    verdict: str
    centre: float | None
    lcl: float | None
    ucl: float | None
    z: float | None
    rules: tuple[str, ...]


@dataclass(frozen=True)
class MetricChart:
    """The data of one control chart.

    :param chart: chart kind (``individuals``, ``laney_p``, ... or ``recorded`` for limits read as stored).
    :param points: the last batches, oldest first, each with the limits and zones it was held to.
    """

    dataset: str
    metric: str
    chart: str
    points: tuple[ChartPoint, ...]

    @property
    def flagged(self) -> tuple[ChartPoint, ...]:
        """Points where a rule fired."""
        return tuple(p for p in self.points if p.rules)

    @property
    def hollow(self) -> tuple[ChartPoint, ...]:
        """Points out of the baseline or labelled by an analyst (drawn hollow)."""
        return tuple(p for p in self.points if is_hollow(p.status))


def is_hollow(status: str) -> bool:
    """Drawn hollow: left out of the baseline (``out_of_control``, ``known_bad``) or labelled by an analyst.

    :param status: the point's status.
    """
    return status in EXCLUDED_STATUSES or status == "false_positive"


def load_recorded(warehouse: Warehouse, dataset: str, metric: str, until: date | str | None = None
                  ) -> list[Recorded]:
    """Every recorded point of a metric with a value, oldest first (on or before ``until``).

    :param warehouse: the warehouse.
    :param dataset: dataset name.
    :param metric: metric name.
    :param until: last batch date (default: no limit).
    """
    if not warehouse.table_exists(HISTORY):
        return []
    sql = (f"SELECT batch_date, value, n, status, verdict, centre, lcl, ucl, z, rules FROM {HISTORY} "
           "WHERE dataset = ? AND metric = ? AND value IS NOT NULL")
    params: list = [dataset, metric]
    if until is not None:
        sql += " AND batch_date <= CAST(? AS DATE)"
        params.append(as_date(until).isoformat())
    rows = warehouse.fetchall(sql + " ORDER BY batch_date", params)
    return [Recorded(Point(as_date(d), float(v), int(n) if n else None, s), verdict, c, lo, hi, z, parse_rules(r))
            for d, v, n, s, verdict, c, lo, hi, z, r in rows]


def _spc_config(dataset: str, metric: str, config: QualityConfig | None) -> MetricConfig | None:
    try:
        cfg = config or load_quality_config(dataset)
        return cfg.metric(metric).spc
    except (FileNotFoundError, KeyError, ValueError):
        return None


def _as_recorded(r: Recorded) -> ChartPoint:
    return ChartPoint(batch_date=r.point.batch_date, value=r.point.value, status=r.point.status, verdict=r.verdict,
                      centre=r.centre, ucl=r.ucl, lcl=r.lcl, sigma=None, z=r.z, zone_1_upper=None,
                      zone_1_lower=None, zone_2_upper=None, zone_2_lower=None, rules=r.rules)


def metric_chart(where: Warehouse | WarehouseLocation | str, dataset: str, metric: str, *,
                 last_n: int = CHART_POINTS, until: date | str | None = None,
                 config: QualityConfig | None = None) -> MetricChart:
    """The metric's control chart over its last ``last_n`` recorded batches (on or before ``until``).

    :param where: the warehouse.
    :param dataset: dataset name.
    :param metric: metric name.
    :param last_n: number of batches charted.
    :param until: last batch charted (default: the latest).
    :param config: the dataset's quality config (default: ``expectations/metrics/<dataset>.yaml``).
    """
    recorded = load_recorded(open_warehouse(where), dataset, metric, until)
    spc = _spc_config(dataset, metric, config)
    if spc is None or not recorded:
        return MetricChart(dataset, metric, "recorded", tuple(_as_recorded(r) for r in recorded[-last_n:]))
    series = chart_series([r.point for r in recorded], spc, last_n=last_n)
    gate = {r.point.batch_date: r for r in recorded}
    points = tuple(dataclasses.replace(p, verdict=gate[p.batch_date].verdict, rules=gate[p.batch_date].rules)
                   for p in series.points)
    return MetricChart(dataset, metric, series.chart, points)

"""Data for drawing a control chart (the drawing itself lives elsewhere).

:func:`chart_series` re-evaluates each of the last N batches against the history before it, exactly as
:func:`~dataops.spc.evaluate.evaluate_point` judged (or would judge) it on its own day, so the plotted
centre, limits and zones are the ones each batch was held to: they move with the rolling baseline, with
the weekday centre and, on p-charts, with the batch size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dataops.spc.config import MetricConfig
from dataops.spc.evaluate import as_config, evaluate_point
from dataops.spc.models import ChartPoint, ChartSeries, Point


def _zone(centre: float | None, sigma: float | None, k: float, lo: float | None, hi: float | None
          ) -> float | None:
    if centre is None or sigma is None:
        return None
    v = centre + k * sigma
    if lo is not None:
        v = max(lo, v)
    if hi is not None:
        v = min(hi, v)
    return v


def chart_series(points: Iterable[Point], config: MetricConfig | Mapping[str, Any], last_n: int = 30
                 ) -> ChartSeries:
    """Per-point centre, limits and zone edges (1 and 2 sigma) of the last ``last_n`` batches.

    :param points: the metric's whole history with statuses (the charted batches included).
    :param config: :class:`MetricConfig` or its plain-data form.
    :param last_n: number of most recent batches to chart.
    """
    cfg = as_config(config)
    if last_n < 1:
        raise ValueError(f"last_n must be >= 1, got {last_n}")
    ordered = sorted(points, key=lambda p: p.batch_date)
    lo, hi = (0.0, 1.0) if cfg.is_p_chart else (None, None)
    out = []
    for idx in range(max(0, len(ordered) - last_n), len(ordered)):
        p = ordered[idx]
        ev = evaluate_point(ordered[:idx], p, cfg)
        out.append(ChartPoint(
            batch_date=p.batch_date, value=p.value, status=p.status, verdict=ev.verdict,
            centre=ev.centre, ucl=ev.ucl, lcl=ev.lcl, sigma=ev.sigma, z=ev.z,
            zone_1_upper=_zone(ev.centre, ev.sigma, 1.0, lo, hi), zone_1_lower=_zone(ev.centre, ev.sigma, -1.0, lo, hi),
            zone_2_upper=_zone(ev.centre, ev.sigma, 2.0, lo, hi), zone_2_lower=_zone(ev.centre, ev.sigma, -2.0, lo, hi),
            rules=tuple(f.rule for f in ev.findings), chart_statistic=ev.chart_statistic,
        ))
    return ChartSeries(metric=cfg.metric, chart=cfg.chart, points=tuple(out))

"""Judge one batch of one metric against its own history: :func:`evaluate_point`.

1. Baseline (phase I): the last ``baseline_window`` batches before the tested one, minus
   ``out_of_control`` / ``known_bad`` batches (:mod:`dataops.spc.baseline`).
2. Learning: fewer than ``min_baseline_points`` baseline batches (or, with weekday seasonality, fewer
   than ``min_points_per_weekday`` on the tested weekday) -> verdict ``learning``, no alert.
3. Scale: centre (overall, weekday, with or without a linear trend) and sigma -> z of every baseline batch
   and of the tested one; with adjusted limits sigma is widened for the baseline size
   (:mod:`dataops.spc.limits`).
4. Rules on baseline + tested batch; only patterns completed by the tested batch count.
5. Minimum practical change: a finding whose change (metric units) is below
   ``max(min_practical_change, min_practical_change_relative * |centre|)`` is suppressed, with a note.
6. Verdict: ``critical`` if any critical finding, else ``warning`` if any, else ``in_control``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dataops.spc.baseline import BaselineSelection, select_baseline
from dataops.spc.config import MetricConfig
from dataops.spc.findings import cusum_signal, ewma_signal, run_rule_findings
from dataops.spc.models import CRITICAL, IN_CONTROL, LEARNING, WARNING, Evaluation, Finding, Point
from dataops.spc.scale import Scale, fit_scale

LIMIT_WIDTH = 3.0


def as_config(config: MetricConfig | Mapping[str, Any]) -> MetricConfig:
    """Accept a :class:`MetricConfig` or its plain-data form."""
    return config if isinstance(config, MetricConfig) else MetricConfig.from_dict(config)


def _check_p_point(p: Point) -> None:
    if p.n is None:
        raise ValueError(f"p-chart point {p.batch_date} has no batch size n")
    if not 0.0 <= p.value <= 1.0:
        raise ValueError(f"p-chart value must be a proportion in [0, 1], got {p.value!r} on {p.batch_date}")


def _learning_reason(cfg: MetricConfig, sel: BaselineSelection, scale: Scale | None, today: Point) -> str | None:
    m = len(sel.points)
    if m < cfg.min_baseline_points:
        return f"learning: {m} baseline point(s), {cfg.min_baseline_points} needed before alerting"
    if scale is not None and scale.centre_model.seasonal:
        count = scale.centre_model.counts.get(today.batch_date.weekday(), 0)
        if count < cfg.min_points_per_weekday:
            return (f"learning: {count} baseline point(s) on {today.batch_date:%A}, "
                    f"{cfg.min_points_per_weekday} needed for a weekday centre")
    return None


def _gate(cfg: MetricConfig, centre: float, findings: list[Finding]) -> tuple[list[Finding], list[Finding], list[str]]:
    threshold = max(cfg.min_practical_change, cfg.min_practical_change_relative * abs(centre))
    if threshold <= 0:
        return findings, [], []
    kept, suppressed, notes = [], [], []
    for f in findings:
        if f.magnitude is not None and f.magnitude < threshold:
            suppressed.append(f)
            notes.append(f"{f.rule} fired but the change {f.magnitude:.6g} is below the minimum practical "
                         f"change {threshold:.6g}: not alerted")
        else:
            kept.append(f)
    return kept, suppressed, notes


@dataclass(frozen=True)
class _Limits:
    """The tested point on its Shewhart scale: centre, sigma, z and the 3-sigma limits."""

    centre: float
    sigma: float
    z: float
    ucl: float
    lcl: float
    factor: float = 1.0  # adjusted limits: sigma (and every zone) widened by this factor


def _limits(cfg: MetricConfig, at: tuple[float, float, float, float] | None) -> _Limits | None:
    if at is None:
        return None
    centre, sigma, z, factor = at
    ucl, lcl = centre + LIMIT_WIDTH * sigma, centre - LIMIT_WIDTH * sigma
    if cfg.is_p_chart:  # a proportion stays in [0, 1]
        ucl, lcl = min(1.0, ucl), max(0.0, lcl)
    return _Limits(centre, sigma, z, ucl, lcl, factor)


def _ewma(cfg: MetricConfig, z: np.ndarray, centre: float, sigma: float) -> tuple[Finding | None, dict[str, Any]]:
    return ewma_signal(cfg, z, centre, sigma)


def _cusum(cfg: MetricConfig, z: np.ndarray, centre: float, sigma: float) -> tuple[Finding | None, dict[str, Any]]:
    return cusum_signal(cfg, z, sigma)


# Chart type -> its own signal on top of the run rules (individuals and p charts have none).
_CHART_SIGNAL: dict[str, Callable[[MetricConfig, np.ndarray, float, float], tuple[Finding | None, dict[str, Any]]]] = {
    "ewma": _ewma,
    "cusum": _cusum,
}


def _verdict(findings: list[Finding]) -> str:
    severities = {f.severity for f in findings}
    return CRITICAL if CRITICAL in severities else WARNING if WARNING in severities else IN_CONTROL


def evaluate_point(history: Iterable[Point], today: Point, config: MetricConfig | Mapping[str, Any]) -> Evaluation:
    """Evaluate the batch ``today`` of a metric against its history.

    :param history: earlier batches of the metric with their statuses (any order; batches on or after
        ``today.batch_date`` are ignored, so a re-run or back-fill never tests a batch against itself).
    :param today: the batch under test (its status is ignored).
    :param config: :class:`MetricConfig` or its plain-data form.
    :returns: a frozen :class:`Evaluation`; ``evaluation.to_dict()`` is JSON-serialisable.
    """
    cfg = as_config(config)
    sel = select_baseline(history, today.batch_date, cfg.baseline_window)
    if cfg.is_p_chart:
        for p in (*sel.points, today):
            _check_p_point(p)
    notes = [f"{sel.ignored} history point(s) on or after {today.batch_date} ignored"] if sel.ignored else []
    scale = fit_scale(cfg, sel.points) if len(sel.points) >= 2 else None
    at = scale.at(today.batch_date, today.value, today.n) if scale is not None else None
    limits = _limits(cfg, at)
    ev = Evaluation(metric=cfg.metric, chart=cfg.chart, batch_date=today.batch_date, value=float(today.value),
                    verdict=LEARNING, n=today.n, baseline_dates=tuple(p.batch_date for p in sel.points),
                    excluded_dates=sel.excluded)
    if limits is not None:
        ev = replace(ev, centre=limits.centre, sigma=limits.sigma, z=limits.z, ucl=limits.ucl, lcl=limits.lcl)
    reason = _learning_reason(cfg, sel, scale, today)
    if reason is None and limits is None:
        reason = f"learning: no baseline centre for {today.batch_date:%A}"
    if reason is not None or scale is None or limits is None:
        return replace(ev, notes=(*notes, reason or "learning"))
    return _judge(cfg, ev, scale, limits, today.value, notes)


def _judge(cfg: MetricConfig, ev: Evaluation, scale: Scale, limits: _Limits, value: float, notes: list[str]
           ) -> Evaluation:
    """Steps 4-6 for a point with a scale: rules, chart signal, minimum practical change, verdict."""
    centre, sigma = limits.centre, limits.sigma
    if sigma <= 1e-12 * max(abs(centre), 1.0):
        notes.append("the baseline has no variation (sigma = 0): any change is significant")
    z = np.append(scale.z / limits.factor, limits.z)
    devs = np.append(scale.devs, value - centre)
    findings = run_rule_findings(cfg, z, devs)
    stat: dict[str, Any] = dict(scale.stats)
    if limits.factor != 1.0:
        stat["limit_factor"] = limits.factor
    if scale.centre_model.seasonal or scale.centre_model.trend is not None:
        stat["weekday_centres"] = scale.centre_model.describe()
    signal = _CHART_SIGNAL.get(cfg.chart)
    finding, extra = signal(cfg, z, centre, sigma) if signal is not None else (None, {})
    stat.update(extra)
    if finding is not None:
        findings.append(finding)
    findings, other_side, side_notes = _one_side(cfg, findings, float(z[-1]), stat)
    findings, suppressed, gate_notes = _gate(cfg, centre, findings)
    return replace(ev, verdict=_verdict(findings), findings=tuple(findings),
                   suppressed_findings=(*other_side, *suppressed), notes=(*notes, *side_notes, *gate_notes),
                   chart_statistic=stat)


def _one_side(cfg: MetricConfig, findings: list[Finding], z_last: float, stat: dict[str, Any]
              ) -> tuple[list[Finding], list[Finding], list[str]]:
    """With ``alert_side`` ``above`` or ``below``: the findings on the other side of the centre are suppressed
    (the side of the EWMA or of the CUSUM that fired for the chart signal, of the tested point otherwise)."""
    if cfg.alert_side == "both":
        return findings, [], []
    kept, dropped, notes = [], [], []
    for f in findings:
        if f.rule == "ewma":
            up = stat.get("ewma_z", 0.0) > 0
        elif f.rule == "cusum":
            up = stat.get("upper", 0.0) >= stat.get("lower", 0.0)
        else:
            up = z_last > 0
        if up == (cfg.alert_side == "above"):
            kept.append(f)
        else:
            dropped.append(f)
            notes.append(f"{f.rule} fired {'above' if up else 'below'} the centre: only changes "
                         f"{cfg.alert_side} it are alerted")
    return kept, dropped, notes

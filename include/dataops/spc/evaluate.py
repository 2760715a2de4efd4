"""Judge one batch of one metric against its own history: :func:`evaluate_point`.

1. Baseline (phase I): the last ``baseline_window`` batches before the tested one, minus
   ``out_of_control`` / ``known_bad`` batches (:mod:`dataops.spc.baseline`).
2. Learning: fewer than ``min_baseline_points`` baseline batches (or, with weekday seasonality, fewer
   than ``min_points_per_weekday`` on the tested weekday) -> verdict ``learning``, no alert.
3. Scale: centre (overall or weekday) and sigma -> z of every baseline batch and of the tested one.
4. Rules on baseline + tested batch; only patterns completed by the tested batch count.
5. Minimum practical change: a finding whose change (metric units) is below
   ``max(min_practical_change, min_practical_change_relative * |centre|)`` is suppressed, with a note.
6. Verdict: ``critical`` if any critical finding, else ``warning`` if any, else ``in_control``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    notes: list[str] = []
    if sel.ignored:
        notes.append(f"{sel.ignored} history point(s) on or after {today.batch_date} ignored")
    base = dict(metric=cfg.metric, chart=cfg.chart, batch_date=today.batch_date, value=float(today.value),
                n=today.n, baseline_dates=tuple(p.batch_date for p in sel.points), excluded_dates=sel.excluded)
    scale = fit_scale(cfg, sel.points) if len(sel.points) >= 2 else None
    at = scale.at(today.batch_date, today.value, today.n) if scale is not None else None
    limits: dict[str, Any] = {}
    if at is not None:
        centre, sigma, z = at
        limits = dict(centre=centre, sigma=sigma, z=z, ucl=centre + LIMIT_WIDTH * sigma,
                      lcl=centre - LIMIT_WIDTH * sigma)
        if cfg.is_p_chart:
            limits.update(ucl=min(1.0, limits["ucl"]), lcl=max(0.0, limits["lcl"]))
    reason = _learning_reason(cfg, sel, scale, today)
    if reason is None and at is None:
        reason = f"learning: no baseline centre for {today.batch_date:%A}"
    if reason is not None:
        return Evaluation(verdict=LEARNING, notes=(*notes, reason), **base, **limits)

    centre, sigma, z_today = at
    if sigma == 0:
        notes.append("the baseline has no variation (sigma = 0): any change is significant")
    z = np.append(scale.z, z_today)
    devs = np.append(scale.devs, today.value - centre)
    findings = run_rule_findings(cfg, z, devs)
    stat: dict[str, Any] = dict(scale.stats)
    if scale.centre_model.seasonal:
        stat["weekday_centres"] = scale.centre_model.describe()
    if cfg.chart == "ewma":
        finding, extra = ewma_signal(cfg, z, centre, sigma)
    elif cfg.chart == "cusum":
        finding, extra = cusum_signal(cfg, z, sigma)
    else:
        finding, extra = None, {}
    stat.update(extra)
    if finding is not None:
        findings.append(finding)
    findings, suppressed, gate_notes = _gate(cfg, centre, findings)
    severities = {f.severity for f in findings}
    verdict = CRITICAL if CRITICAL in severities else WARNING if WARNING in severities else IN_CONTROL
    return Evaluation(verdict=verdict, findings=tuple(findings), suppressed_findings=tuple(suppressed),
                      notes=(*notes, *gate_notes), chart_statistic=stat, **base, **limits)

"""Judging a release's model on a batch: SPC against the champion's history, and blue/green agreement.

:func:`judge_slot` measures one role's predictions of a day with the metrics the production gate uses
(``stage: post_score`` score metrics, invalid scores, and ``stage: outcome`` on the scoring day whose labels
matured) and evaluates each value against the **champion's** recorded history of that metric: the canary (or a
new champion under watch) must look like a model the gate would let through. :func:`compare_slots` puts the
green slot beside the blue one on the same transactions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from dataops.release.config import BlueGreenLimits
from dataops.scoring.batch import PREDICTIONS

SCORE_KINDS = ("score_mean", "score_flag_rate")


@dataclass(frozen=True)
class Check:
    """One metric of the judged role on one day, against the champion's control limits."""

    metric: str
    day: str
    value: float | None
    verdict: str
    centre: float | None = None
    lcl: float | None = None
    ucl: float | None = None
    description: str = ""

    def line(self) -> str:
        limits = "" if self.lcl is None or self.ucl is None else f" (limits {self.lcl:.4g} .. {self.ucl:.4g})"
        value = "none" if self.value is None else f"{self.value:.4g}"
        text = f"{self.metric} on {self.day}: {value}{limits}, {self.verdict}"
        return f"{text}: {self.description}" if self.description else text


@dataclass
class Judgement:
    """The checks of ``role`` (``version``) on ``day``."""

    role: str
    version: str
    day: str
    checks: list[Check] = field(default_factory=list)

    def failures(self, severities: tuple[str, ...]) -> list[Check]:
        return [c for c in self.checks if c.verdict in severities]

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "version": self.version, "day": self.day,
                "checks": [asdict(c) for c in self.checks]}


def release_rules(config: Any, side: str | None, severity: str | None = None) -> Any:
    """The metric's SPC settings for judging one point of another model against the champion's limits: only
    the point rule (Nelson 1: beyond the limits) means anything there, since the run rules and EWMA/CUSUM
    statistics would mix the champion's earlier points with the judged model's; None for EWMA/CUSUM charts.

    :param side: ``above``/``both`` for score metrics (None keeps the metric's own ``alert_side``).
    :param severity: the point rule's severity (None keeps the metric's).
    """
    from dataops.spc.evaluate import as_config

    cfg = as_config(config)
    if cfg.chart in ("ewma", "cusum"):
        return None
    rule = severity or cfg.rule_set.get("nelson_1", "critical")
    return replace(cfg, rules={"nelson_1": rule}, alert_side=side or cfg.alert_side)


def _evaluated(warehouse: Any, dataset: str, spec: Any, day: str, value: float, n: int | None, config: Any,
               champion: str | None = None) -> Check:
    from dataops.monitoring.measure import same_model_history
    from dataops.quality.history import load_history
    from dataops.spc import Point, evaluate_point

    recorded = load_history(warehouse, dataset, [spec.name], before=day)
    history = same_model_history(warehouse, dataset, [spec], recorded, day, champion)[spec.name]
    if len(history) < config.min_baseline_points:  # a champion still on its predecessors' limits: those
        history = recorded[spec.name]
    ev = evaluate_point(history, Point(date.fromisoformat(day), value, n), config)
    described = "; ".join(f.description for f in ev.findings)
    return Check(spec.name, day, value, ev.verdict, ev.centre, ev.lcl, ev.ucl, described)


def _score_checks(warehouse: Any, ds_cfg: Any, qcfg: Any, day: str, role: str, side: str, champion: str | None
                  ) -> list[Check]:
    from dataops.monitoring.stability import score_stability
    from dataops.quality.metrics import compute_score_metrics

    specs = {s.name: s for s in qcfg.stage("post_score") if s.kind in SCORE_KINDS}
    values = compute_score_metrics(warehouse, qcfg, day, ds_cfg.decision_threshold, role=role)
    # a mean of NaN scores has no place on a chart: the invalid scores below are that model's finding
    checks = [_evaluated(warehouse, ds_cfg.name, specs[v.metric], day, v.value, v.n,
                         release_rules(specs[v.metric].spc, side), champion)
              for v in values if v.metric in specs and v.value is not None and math.isfinite(v.value)]
    stability = score_stability(warehouse, ds_cfg.name, day, role)
    if stability.total:
        checks.append(Check("invalid_scores", day, float(stability.total), "critical",
                            description=stability.describe()))
    return checks


def _outcome_checks(warehouse: Any, ds_cfg: Any, qcfg: Any, day: str, role: str, version: str) -> list[Check]:
    from dataops.monitoring.outcomes import measure_outcomes, scoring_day

    matured = scoring_day(day, ds_cfg.label_maturity_days)
    scored = warehouse.fetchone(f"SELECT count(*) FROM {PREDICTIONS} WHERE dataset = ? AND role = ? "
                                "AND model_version = ? AND batch_date = CAST(? AS DATE)",
                                [ds_cfg.name, role, version, matured])
    if not scored or not scored[0]:
        return []  # this model did not score the matured day in this role: nothing of its own to judge yet
    # a drop of the champion's own outcome warns (retrain); a released model's drop below the champion's limits
    # is critical: the champion it replaces is there to take its decisions back
    rules = {s.name: release_rules(s.spc, None, "critical") for s in qcfg.stage("outcome")}
    specs = {s.name: s for s in qcfg.stage("outcome") if rules[s.name] is not None}
    values = measure_outcomes(warehouse, list(specs.values()), ds_cfg, matured, role=role, version=version)
    return [_evaluated(warehouse, ds_cfg.name, specs[v.metric], matured, v.value, v.n, rules[v.metric])
            for v in values if v.value is not None and v.metric in specs]


def judge_slot(warehouse: Any, ds_cfg: Any, day: str, role: str, version: str, *, qcfg: Any = None,
               score_side: str = "above", champion: str | None = None) -> Judgement:
    """Judge ``role``'s predictions of ``day`` (and of its matured scoring day) against the champion's limits.

    A metric without enough champion history to set limits is ``learning``: reported, never a failure.

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param ds_cfg: the dataset configuration.
    :param day: the batch date, ``YYYY-MM-DD``.
    :param role: the predictions' role (``canary``, or ``champion`` for a new champion under watch).
    :param version: the model version judged (for the record).
    :param qcfg: the dataset's quality configuration (default: its metrics file).
    :param score_side: the side of the champion's limits the score metrics are judged on (``above``: more
        alerts than the champion ever raised; ``both``); outcome metrics keep their own ``alert_side``.
    :param champion: the champion version whose batches form the score metrics' baseline (the one the release
        replaces; None: every recorded batch).
    """
    from dataops.quality.config import load_quality_config

    qcfg = qcfg or load_quality_config(ds_cfg.name)
    judgement = Judgement(role, version, day)
    judgement.checks += _score_checks(warehouse, ds_cfg, qcfg, day, role, score_side, champion)
    judgement.checks += _outcome_checks(warehouse, ds_cfg, qcfg, day, role, version)
    return judgement


@dataclass(frozen=True)
class Comparison:
    """The green slot against the blue one on the same transactions of one batch."""

    day: str
    rows: int
    score_psi: float
    flag_rate_blue: float
    flag_rate_green: float
    agreement: float
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "failures": list(self.failures)}

    def line(self) -> str:
        return (f"{self.rows:,} transactions of {self.day}: score PSI {self.score_psi:.3f}, flag rate "
                f"{self.flag_rate_blue:.2%} (blue) vs {self.flag_rate_green:.2%} (green), "
                f"{self.agreement:.2%} same decisions")


def _score_psi(blue: np.ndarray, green: np.ndarray, bins: int = 10) -> float:
    from dataops.monitoring.drift import psi

    edges = np.unique(np.quantile(blue, np.linspace(0, 1, bins + 1)[1:-1]))
    shares = [np.bincount(np.searchsorted(edges, s, side="right"), minlength=len(edges) + 1) / len(s)
              for s in (blue, green)]
    return psi(list(shares[0]), list(shares[1]))


def compare_slots(warehouse: Any, ds_cfg: Any, day: str, limits: BlueGreenLimits, *, blue: str = "champion",
                  green: str = "green") -> Comparison:
    """Score distribution, flag rate and decision agreement of ``green`` against ``blue`` on ``day``."""
    rows = warehouse.fetchall(
        f"SELECT b.score, g.score FROM {PREDICTIONS} b JOIN {PREDICTIONS} g ON g.dataset = b.dataset "
        "AND g.batch_date = b.batch_date AND g.id = b.id WHERE b.dataset = ? AND b.batch_date = CAST(? AS DATE) "
        "AND b.role = ? AND g.role = ?", [ds_cfg.name, day, blue, green])
    if not rows:
        return Comparison(day, 0, float("nan"), float("nan"), float("nan"), float("nan"),
                          (f"the {green} slot scored none of the {blue} slot's transactions of {day}",))
    scores = np.array(rows, dtype=np.float64)  # a missing score (None) is NaN
    b, g = scores[:, 0], scores[:, 1]
    invalid = int((~np.isfinite(g) | (g < 0) | (g > 1)).sum())  # NaN compares False: no flag, no alert
    thr = ds_cfg.decision_threshold
    fb, fg = float((b >= thr).mean()), float((g >= thr).mean())
    finite = np.isfinite(b) & np.isfinite(g)
    value = _score_psi(b[finite], g[finite]) if finite.any() else float("nan")
    agreement = float(((b >= thr) == (g >= thr)).mean())
    ratio = fg / max(fb, 1.0 / len(b))  # green raising the alert volume; fewer alerts are the outcomes' to judge
    failures = [f"{invalid:,} of the green slot's {len(g):,} scores are missing, not finite or outside [0, 1]"] \
        if invalid else []
    if value > limits.max_score_psi:
        failures.append(f"score PSI {value:.3f} > {limits.max_score_psi}")
    if ratio > limits.max_flag_rate_ratio:
        failures.append(f"flag rate {fg:.2%} (green) vs {fb:.2%} (blue): {ratio:.2f} times > "
                        f"{limits.max_flag_rate_ratio}")
    if agreement < limits.min_agreement:
        failures.append(f"same decision on {agreement:.2%} < {limits.min_agreement:.0%} of transactions")
    return Comparison(day, len(b), value, fb, fg, agreement, tuple(failures))

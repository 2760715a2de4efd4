"""Real SPC engine output for the alert tests: evaluations and chart series of synthetic metric histories."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from dataops.spc import Point, chart_series, evaluate_point

D0 = date(2026, 1, 1)
CFG = {"min_baseline_points": 20, "baseline_window": 60}


def history(n: int = 45, seed: int = 7, mean: float = 5.0, sd: float = 0.1) -> list[Point]:
    """``n`` in-control daily batches from ``D0``."""
    rng = np.random.default_rng(seed)
    return [Point(D0 + timedelta(days=i), float(v)) for i, v in enumerate(rng.normal(mean, sd, n))]


def judge(metric: str, points: list[Point], today: Point, last_n: int = 60) -> tuple[dict[str, Any], dict]:
    """(``Evaluation.to_dict()``, ``ChartSeries.to_dict()``) of ``today`` against ``points``."""
    cfg = {"metric": metric, **CFG}
    ev = evaluate_point(points, today, cfg)
    series = chart_series([*points, today], cfg, last_n=last_n)
    return ev.to_dict(), series.to_dict()


def contract_finding(batch_date: str, rejected: int) -> dict[str, Any]:
    """A contract finding in the evaluation shape (no limits)."""
    return {"metric": "contract.rejected_files", "chart": None, "batch_date": batch_date, "value": rejected,
            "n": None, "centre": None, "ucl": None, "lcl": None, "sigma": None, "z": None,
            "verdict": "critical", "blocking": True,
            "findings": [{"rule": "contract", "severity": "critical",
                          "description": f"Contract: {rejected} file(s) rejected by the file contract",
                          "magnitude": None}],
            "suppressed_findings": [], "notes": [], "baseline_dates": [], "excluded_dates": [],
            "chart_statistic": {}}


class Outbox:
    """A ``send`` callable that keeps what it was given (or fails with ``error`` while set)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.error: BaseException | None = None

    def __call__(self, message) -> None:
        if self.error is not None:
            raise self.error
        self.messages.append(message)

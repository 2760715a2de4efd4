"""Fixed-limit checks in the evaluation shape of the quality gate (recorded, alerted and labelled like SPC).

Some things need no baseline to be wrong: one NaN feature value, a model older than its dataset allows.
:func:`limit_evaluation` judges a value against a ``warning`` and a ``critical`` limit (each optional; the
value must not exceed it) and returns the same dict as ``Evaluation.to_dict()``, so the history, the alert
e-mail, the analysts' labels and the DataOps view treat it like any other metric.
"""

from __future__ import annotations

from typing import Any

from dataops.spc import CRITICAL, IN_CONTROL, WARNING

RULE = "fixed_limit"


def limit_verdict(value: float, warning: float | None, critical: float | None) -> str:
    """``critical`` above the critical limit, ``warning`` above the warning limit, else ``in_control``."""
    if critical is not None and value > critical:
        return CRITICAL
    if warning is not None and value > warning:
        return WARNING
    return IN_CONTROL


def limit_evaluation(metric: str, batch_date: str, value: float, *, warning: float | None,
                     critical: float | None, description: str, n: int | None = None,
                     notes: list[str] | None = None) -> dict[str, Any]:
    """The evaluation of ``value`` against fixed limits.

    :param metric: metric name, e.g. ``stability.features``.
    :param batch_date: ``YYYY-MM-DD``.
    :param value: the measured value.
    :param warning: warning limit (None: no warning).
    :param critical: critical limit (None: no critical).
    :param description: what the finding says when a limit is exceeded (names what was wrong).
    :param n: rows behind the value.
    :param notes: extra lines for the alert.
    """
    verdict = limit_verdict(value, warning, critical)
    limit = critical if verdict == CRITICAL else warning
    findings = [] if verdict == IN_CONTROL else [
        {"rule": RULE, "severity": verdict, "description": f"{description} (limit {limit:g})",
         "magnitude": None if limit is None else value - limit}]
    upper = critical if critical is not None else warning
    return {"metric": metric, "chart": "limits", "batch_date": batch_date, "value": float(value), "n": n,
            "centre": None, "ucl": upper, "lcl": None, "sigma": None, "z": None, "verdict": verdict,
            "blocking": verdict == CRITICAL, "findings": findings, "suppressed_findings": [],
            "notes": list(notes or []), "baseline_dates": [], "excluded_dates": [], "chart_statistic": {}}

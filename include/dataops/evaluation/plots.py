"""PR-curve and calibration plots as PNG bytes (matplotlib, Agg canvas, no pyplot global state)."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dataops.evaluation.evaluate import Evaluation
from dataops.metrics.binary import RankedScores


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _label(ev: Evaluation, role: str, metric: str) -> str:
    value = ev.metrics[role].get(metric)
    version = ev.versions.get(role) or "?"
    return f"{role} {version} ({metric.replace('_', ' ')} {value:.3f})" if value == value else f"{role} {version}"


def pr_curve_png(ev: Evaluation) -> bytes:
    """Precision-recall curves of every role, with the holdout prevalence as baseline."""
    fig = Figure(figsize=(6, 4.5))
    ax = fig.add_subplot()
    for role in ev.roles:
        precision, recall, _ = RankedScores(ev.y, ev.scores[role]).pr_curve()
        ax.step(np.r_[0.0, recall], np.r_[1.0, precision], where="post", label=_label(ev, role,
                                                                                      "average_precision"))
    ax.axhline(float(ev.y.mean()), color="grey", linestyle=":", label=f"prevalence {ev.y.mean():.3f}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title="Precision-recall (holdout)")
    ax.legend(loc="upper right", fontsize=8)
    return _png(fig)


def calibration_png(ev: Evaluation) -> bytes:
    """Reliability diagram: observed fraud rate vs mean predicted probability per bin."""
    fig = Figure(figsize=(6, 4.5))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    for role in ev.roles:
        table = [r for r in ev.metrics[role]["calibration"] if r["count"]]
        ax.plot([r["mean_predicted"] for r in table], [r["observed_rate"] for r in table], marker="o",
                label=_label(ev, role, "brier"))
    ax.set(xlabel="mean predicted probability", ylabel="observed fraud rate", xlim=(0, 1), ylim=(0, 1),
           title="Calibration (holdout)")
    ax.legend(loc="upper left", fontsize=8)
    return _png(fig)

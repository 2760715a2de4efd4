"""The control chart embedded in an alert: PNG bytes drawn with matplotlib's Agg canvas (no pyplot state).

Zones are shaded per point (limits move with the rolling baseline): C within 1 sigma, B 1-2 sigma,
A 2-3 sigma. Flagged points are red (critical) or orange (warning); points left out of the baseline
(``known_bad``, ``out_of_control``) are hollow; the batch under test is ringed and labelled.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from dataops.alerts.inputs import CRITICAL, EXCLUDED_STATUSES, WARNING

COLOURS = {CRITICAL: "#c53030", WARNING: "#dd6b20", "normal": "#2d3748"}
ZONE_COLOURS = {"A": "#feb2b2", "B": "#fefcbf", "C": "#c6f6d5"}


def _col(points: list[dict[str, Any]], key: str) -> np.ndarray:
    return np.array([np.nan if p.get(key) is None else float(p[key]) for p in points], dtype=float)


def _severity(p: dict[str, Any]) -> str:
    if p.get("verdict") in (CRITICAL, WARNING):
        return p["verdict"]
    return WARNING if p.get("rules") else "normal"


def _band(ax, x, lower: np.ndarray, upper: np.ndarray, colour: str) -> None:
    ok = np.isfinite(lower) & np.isfinite(upper)
    if ok.any():
        ax.fill_between(x, lower, upper, where=ok, step="mid", color=colour, alpha=0.55, linewidth=0)


def control_chart_png(title: str, points: list[dict[str, Any]], today: date) -> bytes:
    """Draw one control chart.

    :param title: chart title (the metric).
    :param points: chart points from :func:`dataops.alerts.inputs.chart_points`, oldest first.
    :param today: the batch under test (ringed).
    :return: PNG bytes.
    """
    if not points:
        raise ValueError("a control chart needs at least one point")
    fig = Figure(figsize=(8.0, 3.6))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = np.array([np.datetime64(p["batch_date"]) for p in points])
    centre, ucl, lcl = _col(points, "centre"), _col(points, "ucl"), _col(points, "lcl")
    z1u, z1l, z2u, z2l = (_col(points, k) for k in ("zone_1_upper", "zone_1_lower", "zone_2_upper",
                                                      "zone_2_lower"))
    _band(ax, x, z2u, ucl, ZONE_COLOURS["A"])
    _band(ax, x, lcl, z2l, ZONE_COLOURS["A"])
    _band(ax, x, z1u, z2u, ZONE_COLOURS["B"])
    _band(ax, x, z2l, z1l, ZONE_COLOURS["B"])
    _band(ax, x, z1l, z1u, ZONE_COLOURS["C"])
    ax.step(x, ucl, where="mid", color=COLOURS[CRITICAL], linewidth=1.0)
    ax.step(x, lcl, where="mid", color=COLOURS[CRITICAL], linewidth=1.0)
    ax.step(x, centre, where="mid", color="#2b6cb0", linewidth=1.0, linestyle="--")
    values = _col(points, "value")
    ax.plot(x, values, color="#718096", linewidth=0.9, zorder=2)
    for i, p in enumerate(points):
        colour = COLOURS[_severity(p)]
        hollow = p.get("status") in EXCLUDED_STATUSES
        ax.scatter([x[i]], [values[i]], s=30 if _severity(p) == "normal" else 46, zorder=3, linewidths=1.4,
                   facecolors="none" if hollow else colour, edgecolors=colour)
        if p["batch_date"] == today:
            ax.scatter([x[i]], [values[i]], s=260, facecolors="none", edgecolors="#1a202c", linewidths=2.0,
                       zorder=4)
            ax.annotate("today", (x[i], values[i]), textcoords="offset points", xytext=(0, 12), ha="center",
                        fontsize=8, fontweight="bold")
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_title(f"{title} - last {len(points)} batches", fontsize=10)
    ax.tick_params(labelsize=8)
    ax.margins(y=0.12)
    ax.grid(axis="y", color="#e2e8f0", linewidth=0.6)
    legend = [
        Patch(color=ZONE_COLOURS["C"], label="zone C (<1 sigma)"),
        Patch(color=ZONE_COLOURS["B"], label="zone B (1-2 sigma)"),
        Patch(color=ZONE_COLOURS["A"], label="zone A (2-3 sigma)"),
        Line2D([], [], color=COLOURS[CRITICAL], label="UCL / LCL"),
        Line2D([], [], color="#2b6cb0", linestyle="--", label="centre"),
        Line2D([], [], marker="o", linestyle="", color=COLOURS[CRITICAL], label="flagged"),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="none", color=COLOURS["normal"],
               label="excluded (known bad / out of control)"),
    ]
    ax.legend(handles=legend, fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()

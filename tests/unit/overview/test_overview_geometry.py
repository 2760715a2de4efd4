"""The control chart's layout: zones between the limits, step lines, hollow and flagged points, labels."""

from __future__ import annotations

from dataops.overview import chart_geometry, metric_chart
from dataops.overview.geometry import y_domain
from tests.unit.overview.history import FALSE_POSITIVE_DAY, KNOWN_BAD_DAY, OPEN


def test_layout_of_a_real_chart(location):
    chart = metric_chart(location, "transactions", "amount_log_mean")
    g = chart_geometry(chart, width=900, height=300)
    box = g.box
    assert len(g.points) == 26
    assert all(box.left < p.x < box.right and box.top <= p.y <= box.bottom for p in g.points)
    xs = [p.x for p in g.points]
    assert xs == sorted(xs) and len(set(xs)) == 26  # one column per batch, in date order

    judged = sum(1 for p in chart.points if p.centre is not None)
    assert {z.zone for z in g.zones} == {"A", "B", "C"} and len(g.zones) == 5 * judged
    assert len(g.ucl) == len(g.lcl) == len(g.centre) == 1  # the limits are unknown while learning only
    for upper, centre, lower in zip(g.ucl[0], g.centre[0], g.lcl[0], strict=True):
        assert upper[0] == centre[0] == lower[0] and upper[1] < centre[1] < lower[1]  # y grows downwards

    by_date = {p.batch_date.isoformat(): p for p in g.points}
    assert {d for d, p in by_date.items() if p.hollow} == {OPEN, KNOWN_BAD_DAY, FALSE_POSITIVE_DAY}
    assert {d for d, p in by_date.items() if p.severity == "critical"} == {OPEN, KNOWN_BAD_DAY, FALSE_POSITIVE_DAY}
    shifted = by_date[OPEN]
    assert shifted.label.startswith(f"{OPEN}: ") and "Nelson 1" in shifted.label and "out of control" in shifted.label
    ucl_here = next(y for x, y in g.ucl[0] if abs(x - shifted.x) < (g.points[1].x - g.points[0].x) / 2)
    assert shifted.y < ucl_here  # drawn above its upper control limit
    assert g.x_ticks[0][1] == "2026-02-02" and len(g.y_ticks) == 5


def test_y_domain_pads_and_survives_a_flat_series(location):
    flat = metric_chart(location, "transactions", "contract.rejected_files")
    assert y_domain(flat.points) == (-1.0, 1.0)
    g = chart_geometry(flat)
    assert g.zones == () and all(p.y == g.points[0].y for p in g.points)
    assert y_domain(()) == (0.0, 1.0)

"""A control chart as inline SVG from the core's geometry (:func:`dataops.overview.chart_geometry`).

No script and no external resource: zones are rectangles (classes ``zone zone-A/B/C``), centre and limits
step lines (``centre``, ``limit ucl``, ``limit lcl``), points circles (``point`` plus ``critical`` /
``warning`` / ``normal`` and ``hollow``) whose ``<title>`` is the tooltip (date, value, verdict, rules,
status); flagged points also get a visible label with their rules.
"""

from __future__ import annotations

from html import escape

from dataops.overview.geometry import ChartGeometry, PlotPoint, rule_label

ZONE_FILL = {"A": "#fed7d7", "B": "#fefcbf", "C": "#c6f6d5"}
COLOUR = {"critical": "#c53030", "warning": "#dd6b20", "normal": "#2d3748"}


def _polyline(points: tuple[tuple[float, float], ...], css: str, stroke: str, dash: str = "") -> str:
    coords = " ".join(f"{x},{y}" for x, y in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline class="{css}" points="{coords}" fill="none" stroke="{stroke}" stroke-width="1.4"{dashed}/>'


def _point(p: PlotPoint, lift: float = 9.0) -> str:
    colour = COLOUR[p.severity]
    fill = "#ffffff" if p.hollow else colour
    radius = 3.2 if p.severity == "normal" else 4.6
    css = f"point {p.severity}{' hollow' if p.hollow else ''}"
    circle = (f'<circle class="{css}" cx="{p.x}" cy="{p.y}" r="{radius}" fill="{fill}" stroke="{colour}" '
              f'stroke-width="1.6" data-date="{p.batch_date.isoformat()}"><title>{escape(p.label)}</title></circle>')
    if not p.rules:
        return circle
    text = escape(", ".join(rule_label(r) for r in p.rules))
    return circle + (f'<text class="point-label" x="{p.x}" y="{p.y - lift}" font-size="10" text-anchor="middle" '
                     f'fill="{colour}">{text}</text>')


def _axes(g: ChartGeometry) -> list[str]:
    b = g.box
    out = [f'<rect class="frame" x="{b.left}" y="{b.top}" width="{b.right - b.left}" height="{b.bottom - b.top}" '
           'fill="none" stroke="#a0aec0"/>']
    for y, label in g.y_ticks:
        out.append(f'<text class="tick" x="{b.left - 6}" y="{y + 3}" font-size="10" text-anchor="end" '
                   f'fill="#4a5568">{escape(label)}</text>')
    for x, label in g.x_ticks:
        out.append(f'<text class="tick" x="{x}" y="{b.bottom + 16}" font-size="10" text-anchor="middle" '
                   f'fill="#4a5568">{escape(label)}</text>')
    return out


def control_chart_svg(g: ChartGeometry, title: str) -> str:
    """The chart as an ``<svg>`` element.

    :param g: the laid-out chart.
    :param title: accessible title (the metric).
    """
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="control-chart" viewBox="0 0 {g.width} {g.height}" '
             f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    parts += [f'<rect class="zone zone-{z.zone}" x="{z.x}" y="{z.y}" width="{z.width}" height="{z.height}" '
              f'fill="{ZONE_FILL[z.zone]}"/>' for z in g.zones]
    parts += _axes(g)
    parts += [_polyline(line, "limit ucl", COLOUR["critical"]) for line in g.ucl]
    parts += [_polyline(line, "limit lcl", COLOUR["critical"]) for line in g.lcl]
    parts += [_polyline(line, "centre", "#2b6cb0", "5 3") for line in g.centre]
    if len(g.values) > 1:
        parts.append(_polyline(g.values, "values", "#718096"))
    flagged = [p for p in g.points if p.rules]
    lifts = {id(p): 9.0 + 12.0 * (k % 2) for k, p in enumerate(flagged)}  # neighbours' labels do not overlap
    parts += [_point(p, lifts.get(id(p), 9.0)) for p in g.points]
    parts.append("</svg>")
    return "".join(parts)

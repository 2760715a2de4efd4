"""Subject, HTML and plain-text bodies of the alert e-mail.

Every value that comes from the data (metric names, category values inside them, rule descriptions, dates,
links) reaches the HTML through Jinja2 with autoescaping on; links are kept only for ``http(s)`` URLs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from dataops.alerts.inputs import CRITICAL, WARNING, MetricResult
from dataops.alerts.labels import label_steps
from dataops.alerts.state import Digest, Item

MAX_SUBJECT = 250
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def fmt(x: float | None) -> str:
    """A number for humans: 4 significant digits, ``-`` for missing."""
    return "-" if x is None else f"{x:.4g}"


def fmt_z(z: float | None) -> str:
    return "-" if z is None else f"{z:+.2f}"


def one_line(text: str) -> str:
    """Control characters (newlines included) replaced by a space: safe for a header."""
    return _CONTROL.sub(" ", text).strip()


def display_name(dataset: str, metric: str) -> str:
    """``dataset.metric`` unless the metric already starts with the dataset."""
    return metric if metric.startswith(f"{dataset}.") else f"{dataset}.{metric}"


def headline(item: Item) -> str:
    """What happened to one metric, e.g. ``+3.4 sigma (Nelson 1)`` or ``still out of control, day 2``."""
    r = item.result
    worst = r.worst_finding
    rule = f" ({worst.label})" if worst else ""
    if item.kind == "recovered":
        return f"back in control after {item.days_out} day(s)"
    if item.kind == "continuing":
        return f"still out of control, day {item.days_out}{rule}"
    if r.z is not None:
        return f"{r.z:+.1f} sigma{rule}"
    return f"value {fmt(r.value)}{rule}"


def subject_line(dataset: str, batch_date: str, digest: Digest) -> str:
    """``[CRITICAL] transactions.amount_log_mean 2026-03-14: +3.4 sigma (Nelson 1) and 2 more``.

    The tag and the headline come from the worst item (critical before warning, new before continuing);
    a digest with only recoveries is ``[RESOLVED]``.
    """
    items = digest.items
    if not items:
        raise ValueError("nothing to tell: no subject")
    top = items[0]
    tag = {CRITICAL: "CRITICAL", WARNING: "WARNING"}.get(top.result.severity or "", "RESOLVED")
    more = f" and {len(items) - 1} more" if len(items) > 1 else ""
    text = one_line(f"[{tag}] {display_name(dataset, top.result.metric)} {batch_date}: {headline(top)}{more}")
    return text if len(text) <= MAX_SUBJECT else text[:MAX_SUBJECT - 3] + "..."



def _limits(r: MetricResult) -> str:
    if r.lcl is None and r.ucl is None:
        return "-"
    return f"{fmt(r.lcl)} .. {fmt(r.ucl)}"


def _baseline(r: MetricResult) -> str:
    if not r.baseline_dates:
        return "-"
    return f"{r.baseline_dates[0]}..{r.baseline_dates[-1]} ({len(r.baseline_dates)} points)"


def _excluded(r: MetricResult) -> str:
    if not r.excluded:
        return "-"
    return ", ".join(f"{d} ({s})" if s else d for d, s in r.excluded)


def row(dataset: str, item: Item) -> dict[str, Any]:
    """The table row of one item (every field a display string)."""
    r = item.result
    return {
        "metric": display_name(dataset, r.metric), "severity": r.severity or "ok", "kind": item.kind,
        "status": {"new": "new", "continuing": f"day {item.days_out}",
                   "recovered": "back in control"}[item.kind],
        "value": fmt(r.value), "centre": fmt(r.centre), "limits": _limits(r), "z": fmt_z(r.z),
        "rules": [f"{f.severity}: {f.description}" for f in r.findings] or ["-"],
        "baseline": _baseline(r), "excluded": _excluded(r), "chart": r.chart or "-",
        "since": item.since_date.isoformat() if item.since_date else "-",
        "headline": headline(item), "notes": list(r.notes),
    }


def safe_url(url: Any) -> str | None:
    """The URL when it is ``http(s)``, else ``None`` (no ``javascript:`` or ``data:`` links)."""
    text = str(url or "").strip()
    return text if re.match(r"^https?://", text, re.IGNORECASE) else None


@dataclass(frozen=True)
class ChartRef:
    """An inline chart: its metric, Content-ID (without brackets) and PNG bytes."""

    metric: str
    cid: str
    png: bytes


def context(dataset: str, batch_date: str, run_key: str, digest: Digest, links: Mapping[str, str],
            charts: list[ChartRef], chart_errors: Mapping[str, str]) -> dict[str, Any]:
    """Everything the templates show."""
    steps = label_steps(dataset, batch_date)
    link_rows = [{"name": {"data_docs": "Data Docs", "task": "Airflow task"}.get(k, k.replace("_", " ")),
                  "url": safe_url(v), "text": str(v)} for k, v in links.items() if v]
    return {
        "dataset": dataset, "batch_date": batch_date, "run_key": run_key,
        "new": [row(dataset, i) for i in digest.new],
        "continuing": [row(dataset, i) for i in digest.continuing],
        "recovered": [row(dataset, i) for i in digest.recovered],
        "charts": [{"metric": display_name(dataset, c.metric), "cid": c.cid} for c in charts],
        "chart_errors": {display_name(dataset, m): e for m, e in chart_errors.items()},
        "links": link_rows, "commands": steps.commands, "ui_path": steps.ui_path,
    }


_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Quality alert {{ dataset }} {{ batch_date }}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #1a202c;">
<h2 style="margin-bottom: 4px;">Quality gate: {{ dataset }}, batch {{ batch_date }}</h2>
<p style="color: #4a5568; margin-top: 0;">run {{ run_key }}</p>
{% macro table(rows) -%}
<table cellpadding="5" cellspacing="0" border="1" style="border-collapse: collapse; font-size: 13px;">
<tr style="background: #edf2f7;"><th>metric</th><th>severity</th><th>status</th><th>value</th><th>centre</th>
<th>limits (LCL .. UCL)</th><th>z</th><th>rule</th><th>baseline window</th><th>excluded points</th></tr>
{% for r in rows -%}
<tr><td><b>{{ r.metric }}</b></td><td>{{ r.severity }}</td><td>{{ r.status }}</td><td>{{ r.value }}</td>
<td>{{ r.centre }}</td><td>{{ r.limits }}</td><td>{{ r.z }}</td>
<td>{% for rule in r.rules %}{{ rule }}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td>{{ r.baseline }}</td><td>{{ r.excluded }}</td></tr>
{% endfor -%}
</table>
{%- endmacro %}
{% if new %}<h3>New alerts</h3>
{{ table(new) }}
{% endif %}
{% if continuing %}<h3>Still out of control</h3>
<ul>{% for r in continuing %}<li><b>{{ r.metric }}</b>: {{ r.headline }} (since {{ r.since }}); value {{ r.value }},
limits {{ r.limits }}, z {{ r.z }}</li>{% endfor %}</ul>
{% endif %}
{% if recovered %}<h3>Back in control</h3>
<ul>{% for r in recovered %}<li><b>{{ r.metric }}</b>: back in control (out since {{ r.since }}, {{ r.headline }});
value {{ r.value }}, z {{ r.z }}</li>{% endfor %}</ul>
{% endif %}
{% for c in charts %}<h4>Control chart: {{ c.metric }}</h4>
<p><img src="cid:{{ c.cid }}" alt="control chart of {{ c.metric }}" width="720"></p>
{% endfor %}
{% for metric, error in chart_errors.items() %}<p>No chart for {{ metric }}: {{ error }}</p>{% endfor %}
<h3>Links</h3>
<ul>{% for l in links %}<li>{{ l.name }}: {% if l.url %}<a href="{{ l.url }}">{{ l.text }}</a>{% else %}{{ l.text }}{% endif %}</li>
{% else %}<li>none given</li>{% endfor %}</ul>
<h3>Label this batch</h3>
<p>If the batch is really bad, label it <code>known_bad</code> (it leaves the baseline); if the alert was wrong,
label it <code>false_positive</code>. Trigger the <code>quality_labels</code> DAG with the parameters
dataset, batch_date, verdict (known_bad | false_positive) and comment:</p>
{% for verdict, command in commands.items() %}<pre style="background: #f7fafc; padding: 6px;">{{ command }}</pre>
{% endfor %}
<p>or in the UI: {{ ui_path }}</p>
</body></html>
"""

_TEXT = """Quality gate: {{ dataset }}, batch {{ batch_date }} (run {{ run_key }})
{% macro rows_text(rows) %}{% for r in rows %}
- {{ r.metric }} [{{ r.severity }}, {{ r.status }}]: {{ r.headline }}
    value {{ r.value }}, centre {{ r.centre }}, limits {{ r.limits }}, z {{ r.z }}
{% for rule in r.rules %}    rule: {{ rule }}
{% endfor %}    baseline window: {{ r.baseline }}
    excluded points: {{ r.excluded }}
{% endfor %}{% endmacro %}
{% if new %}
NEW ALERTS
{{ rows_text(new) }}{% endif %}{% if continuing %}
STILL OUT OF CONTROL
{% for r in continuing %}- {{ r.metric }}: {{ r.headline }} (since {{ r.since }}); value {{ r.value }}, limits {{ r.limits }}, z {{ r.z }}
{% endfor %}{% endif %}{% if recovered %}
BACK IN CONTROL
{% for r in recovered %}- {{ r.metric }}: back in control (out since {{ r.since }}, {{ r.headline }}); value {{ r.value }}, z {{ r.z }}
{% endfor %}{% endif %}
LINKS
{% for l in links %}- {{ l.name }}: {{ l.text }}
{% else %}- none given
{% endfor %}
LABEL THIS BATCH (quality_labels DAG: dataset, batch_date, verdict known_bad | false_positive, comment)
{% for verdict, command in commands.items() %}  {{ command }}
{% endfor %}  or in the UI: {{ ui_path }}
"""

_HTML_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False)
_TEXT_ENV = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
_HTML_TEMPLATE = _HTML_ENV.from_string(_HTML)
_TEXT_TEMPLATE = _TEXT_ENV.from_string(_TEXT)


def render_html(ctx: Mapping[str, Any]) -> str:
    """The HTML body (autoescaped)."""
    return _HTML_TEMPLATE.render(**ctx)


def render_text(ctx: Mapping[str, Any]) -> str:
    """The plain-text alternative."""
    return _TEXT_TEMPLATE.render(**ctx)

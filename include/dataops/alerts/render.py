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

from dataops.alerts.causes import AlertPlan, Cause
from dataops.alerts.inputs import CRITICAL, WARNING, MetricResult
from dataops.alerts.labels import label_steps
from dataops.alerts.state import Item

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


def _tag(plan: AlertPlan) -> str:
    severities = {i.result.severity for i in (*plan.flagged, *(c.contract for c in plan.causes if c.contract))}
    return "CRITICAL" if CRITICAL in severities else "WARNING" if WARNING in severities else "RESOLVED"


def _clip(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= MAX_SUBJECT else text[:MAX_SUBJECT - 3] + "..."


def subject_line(dataset: str, batch_date: str, plan: AlertPlan) -> str:
    """The subject, leading with the root cause when there is one.

    * a rejected file: ``[CRITICAL] transactions 2026-03-14: file rejected - <file>: <reason> (2 metrics
      follow)``, `` and N more`` for further causes and independent findings;
    * otherwise the worst finding: ``[CRITICAL] transactions.amount_log_mean 2026-03-14: +3.4 sigma
      (Nelson 1) and 2 more`` (critical before warning, new before continuing, then distance);
    * only recoveries: ``[RESOLVED] ...``.

    :param plan: the ordered digest (:func:`dataops.alerts.causes.plan_alert`).
    """
    tag = _tag(plan)
    if plan.causes:
        cause = plan.causes[0]
        n = len(cause.follow)
        follow = f" ({n} metric{'s follow' if n > 1 else ' follows'})" if n else ""
        others = len(plan.causes) - 1 + len(plan.independent)
        more = f" and {others} more" if others else ""
        return _clip(f"[{tag}] {dataset} {batch_date}: {cause.headline}{follow}{more}")
    items = (*plan.independent, *plan.recovered)
    if not items:
        raise ValueError("nothing to tell: no subject")
    top = items[0]
    more = f" and {len(items) - 1} more" if len(items) > 1 else ""
    return _clip(f"[{tag}] {display_name(dataset, top.result.metric)} {batch_date}: {headline(top)}{more}")


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


def row(dataset: str, item: Item, detail: str = "") -> dict[str, Any]:
    """The table row of one item (every field a display string).

    :param detail: an extra line (e.g. the quarantined rows' reasons), ``""`` for none.
    """
    r = item.result
    return {"detail": detail,
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


def _cause(dataset: str, cause: Cause, details: Mapping[str, str]) -> dict[str, Any]:
    return {"headline": cause.headline, "source": cause.source, "nothing_loaded": cause.nothing_loaded,
            "files": [{"key": r.file_key, "reason": r.reason, "rows": r.rows} for r in cause.rejections],
            "follow": [row(dataset, i, details.get(i.result.metric, "")) for i in cause.follow]}


def context(dataset: str, batch_date: str, run_key: str, plan: AlertPlan, links: Mapping[str, str],
            charts: list[ChartRef], chart_errors: Mapping[str, str]) -> dict[str, Any]:
    """Everything the templates show, in the plan's order (causes, independent findings, recoveries).

    :param links: ``triage`` (the analysts' Required Action; shown first, only when something is critical),
        ``data_docs``, ``task`` and any other named URL.
    """
    steps = label_steps(dataset, batch_date)
    triage = safe_url(links.get("triage")) if _tag(plan) == "CRITICAL" else None
    link_rows = [{"name": {"data_docs": "Data Docs of this run", "task": "Airflow task"}.get(k, k.replace("_", " ")),
                  "url": safe_url(v), "text": str(v)} for k, v in links.items() if v and k != "triage"]
    return {
        "dataset": dataset, "batch_date": batch_date, "run_key": run_key, "triage_url": triage,
        "causes": [_cause(dataset, c, plan.details) for c in plan.causes],
        "new": [row(dataset, i, plan.details.get(i.result.metric, "")) for i in plan.independent if i.kind == "new"],
        "continuing": [row(dataset, i, plan.details.get(i.result.metric, "")) for i in plan.independent
                       if i.kind == "continuing"],
        "recovered": [row(dataset, i) for i in plan.recovered],
        "charts": [{"metric": display_name(dataset, c.metric), "cid": c.cid} for c in charts],
        "chart_errors": {display_name(dataset, m): e for m, e in chart_errors.items()},
        "links": link_rows, "commands": steps.commands, "ui_path": steps.ui_path,
    }


_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Quality alert {{ dataset }} {{ batch_date }}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #1a202c;">
<h2 style="margin-bottom: 4px;">Quality gate: {{ dataset }}, batch {{ batch_date }}</h2>
<p style="color: #4a5568; margin-top: 0;">run {{ run_key }}</p>
{% if triage_url %}<p style="font-size: 16px;"><b>Required action:</b> <a href="{{ triage_url }}">triage this batch
(known_bad or false_positive)</a></p>
{% endif %}{% macro table(rows) -%}
<table cellpadding="5" cellspacing="0" border="1" style="border-collapse: collapse; font-size: 13px;">
<tr style="background: #edf2f7;"><th>metric</th><th>severity</th><th>status</th><th>value</th><th>centre</th>
<th>limits (LCL .. UCL)</th><th>z</th><th>rule</th><th>baseline window</th><th>excluded points</th></tr>
{% for r in rows -%}
<tr><td><b>{{ r.metric }}</b></td><td>{{ r.severity }}</td><td>{{ r.status }}</td><td>{{ r.value }}</td>
<td>{{ r.centre }}</td><td>{{ r.limits }}</td><td>{{ r.z }}</td>
<td>{% for rule in r.rules %}{{ rule }}{% if not loop.last %}<br>{% endif %}{% endfor %}{% if r.detail %}<br>{{ r.detail }}{% endif %}</td>
<td>{{ r.baseline }}</td><td>{{ r.excluded }}</td></tr>
{% endfor -%}
</table>
{%- endmacro %}
{% for c in causes %}<h3>Root cause: {{ c.headline }}</h3>
<ul>{% for f in c.files %}<li><b>{{ f.key }}</b>{% if not loop.first %}: {{ f.reason }}{% endif %}: rejected by the
ingest of {{ c.source }}, {{ f.rows }} row(s) quarantined with it</li>{% endfor %}</ul>
{% if c.nothing_loaded %}<p>Nothing of {{ c.source }} was loaded for this batch.</p>{% endif %}
{% if c.follow %}<p>These findings follow from it:</p>
{{ table(c.follow) }}
{% endif %}{% endfor %}
{% if new %}<h3>{% if causes %}Other new alerts{% else %}New alerts{% endif %}</h3>
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
{% if triage_url %}<p>Required action (triage): <a href="{{ triage_url }}">{{ triage_url }}</a></p>{% endif %}
<ul>{% for l in links %}<li>{{ l.name }}: {% if l.url %}<a href="{{ l.url }}">{{ l.text }}</a>{% else %}{{ l.text }}{% endif %}</li>
{% else %}<li>none given</li>{% endfor %}</ul>
<h3>{% if triage_url %}Fallback for operators: label from the command line{% else %}Label this batch{% endif %}</h3>
<p>If the batch is really bad, label it <code>known_bad</code> (it leaves the baseline); if the alert was wrong,
label it <code>false_positive</code>. Trigger the <code>quality_labels</code> DAG with the parameters
dataset, batch_date, verdict (known_bad | false_positive) and comment:</p>
{% for verdict, command in commands.items() %}<pre style="background: #f7fafc; padding: 6px;">{{ command }}</pre>
{% endfor %}
<p>or in the UI: {{ ui_path }}</p>
</body></html>
"""

_TEXT = """Quality gate: {{ dataset }}, batch {{ batch_date }} (run {{ run_key }})
{% if triage_url %}
REQUIRED ACTION: triage this batch (known_bad or false_positive): {{ triage_url }}
{% endif %}{% macro rows_text(rows) %}{% for r in rows %}
- {{ r.metric }} [{{ r.severity }}, {{ r.status }}]: {{ r.headline }}
    value {{ r.value }}, centre {{ r.centre }}, limits {{ r.limits }}, z {{ r.z }}
{% for rule in r.rules %}    rule: {{ rule }}
{% endfor %}{% if r.detail %}    {{ r.detail }}
{% endif %}    baseline window: {{ r.baseline }}
    excluded points: {{ r.excluded }}
{% endfor %}{% endmacro %}{% for c in causes %}
ROOT CAUSE: {{ c.headline }}
{% for f in c.files %}- {{ f.key }}{% if not loop.first %}: {{ f.reason }}{% endif %}: rejected by the ingest of {{ c.source }}, {{ f.rows }} row(s) quarantined with it
{% endfor %}{% if c.nothing_loaded %}- nothing of {{ c.source }} was loaded for this batch
{% endif %}{% if c.follow %}
FOLLOWING FROM IT
{{ rows_text(c.follow) }}{% endif %}{% endfor %}
{% if new %}
{% if causes %}OTHER NEW ALERTS{% else %}NEW ALERTS{% endif %}
{{ rows_text(new) }}{% endif %}{% if continuing %}
STILL OUT OF CONTROL
{% for r in continuing %}- {{ r.metric }}: {{ r.headline }} (since {{ r.since }}); value {{ r.value }}, limits {{ r.limits }}, z {{ r.z }}
{% if r.detail %}    {{ r.detail }}
{% endif %}{% endfor %}{% endif %}{% if recovered %}
BACK IN CONTROL
{% for r in recovered %}- {{ r.metric }}: back in control (out since {{ r.since }}, {{ r.headline }}); value {{ r.value }}, z {{ r.z }}
{% endfor %}{% endif %}
LINKS
{% if triage_url %}- Required action (triage): {{ triage_url }}
{% endif %}{% for l in links %}- {{ l.name }}: {{ l.text }}
{% else %}- none given
{% endfor %}
{% if triage_url %}FALLBACK FOR OPERATORS: LABEL FROM THE COMMAND LINE{% else %}LABEL THIS BATCH{% endif %} (quality_labels DAG: dataset, batch_date, verdict known_bad | false_positive, comment)
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

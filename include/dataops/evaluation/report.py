"""The evaluation report: JSON + Markdown + HTML + two PNGs, next to the challenger's artifacts in S3."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

from dataops.evaluation.evaluate import Evaluation
from dataops.evaluation.rule import Decision, PromotionRule
from dataops.metrics.serialize import dumps, to_jsonable
from dataops.registry.artifacts import ArtifactStore
from dataops.registry.provenance import utcnow

HEADLINE = ("roc_auc", "average_precision", "recall_at_fpr", "brier", "expected_calibration_error")


def _f(x: Any) -> str:
    if isinstance(x, float):
        return "n/a" if x != x else f"{x:.4f}"
    return "n/a" if x is None else str(x)


def report_document(ev: Evaluation, decision: Decision, rule: PromotionRule, meta: Mapping | None = None) -> dict:
    """Everything the report shows, as one JSON-ready document."""
    return to_jsonable({
        "generated_at": utcnow().isoformat() + "Z",
        **dict(meta or {}),
        "decision": decision.to_dict(),
        "rule": rule.to_dict(),
        "evaluation": ev.to_dict(),
    })


def _metric_rows(doc: dict) -> tuple[list[str], list[list[str]]]:
    metrics = doc["evaluation"]["metrics"]
    roles = list(metrics)
    head = ["metric", *[f"{r} ({doc['evaluation']['versions'].get(r)})" for r in roles]]
    rows = [[m, *[_f(metrics[r].get(m)) for r in roles]] for m in HEADLINE]
    k = doc["evaluation"]["config"]["top_k_per_day"]
    rows.append([f"precision at top-{k}/day", *[_f((metrics[r].get("precision_at_k") or {}).get("precision"))
                                                 for r in roles]])
    rows.append([f"recall at top-{k}/day", *[_f((metrics[r].get("precision_at_k") or {}).get("recall"))
                                              for r in roles]])
    return head, rows


def _slice_rows(doc: dict) -> tuple[list[str], list[list[str]]]:
    slices = doc["evaluation"]["slices"]
    metric = doc["rule"]["metric"]
    roles = list(slices)
    head = ["slice", "rows", "positives", *[f"{metric} {r}" for r in roles], "roc_auc challenger",
            "brier challenger", "top-k alerts challenger", "top-k precision challenger"]
    rows = []
    for column, values in slices.get("challenger", {}).items():
        for value, m in values.items():
            rows.append([f"{column}={value}", _f(m["rows"]), _f(m["positives"]),
                         *[_f(slices[r][column][value][metric]) for r in roles], _f(m["roc_auc"]),
                         _f(m["brier"]), _f(m.get("alerts")), _f(m.get("precision_at_k"))])
    return head, rows


def _calibration_rows(doc: dict) -> tuple[list[str], list[list[str]]]:
    metrics = doc["evaluation"]["metrics"]
    head = ["bin"] + [f"{r} {c}" for r in metrics for c in ("n", "predicted", "observed")]
    rows = []
    first = next(iter(metrics.values()))["calibration"]
    for i, b in enumerate(first):
        row = [f"[{b['lower']:.1f}, {b['upper']:.1f})"]
        for r in metrics:
            cell = metrics[r]["calibration"][i]
            row += [_f(cell["count"]), _f(cell["mean_predicted"]), _f(cell["observed_rate"])]
        rows.append(row)
    return head, rows


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def render_markdown(doc: dict) -> str:
    """The report as Markdown (images referenced by relative file name)."""
    d = doc["decision"]
    verdict = "PROMOTE" if d["promote"] else "REJECT"
    parts = [
        f"# Model evaluation: {doc.get('model_name', '')} {d['challenger_version']} vs champion "
        f"{d['champion_version'] or '(none)'}",
        f"**Decision: {verdict}** ({doc['generated_at']})",
        "## Reasons", "\n".join(f"- {r}" for r in d["reasons"]),
        "## Holdout", f"{doc['evaluation']['holdout']['rows']} rows, {doc['evaluation']['holdout']['positives']} "
                      f"positives. Window: {doc['evaluation']['holdout'].get('window', 'n/a')}",
        "## Metrics", _md_table(*_metric_rows(doc)),
        "![precision-recall](pr_curve.png)",
        "## Slices", _md_table(*_slice_rows(doc)),
        "## Calibration", _md_table(*_calibration_rows(doc)),
        "![calibration](calibration.png)",
    ]
    return "\n\n".join(parts) + "\n"


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def render_html(doc: dict, images: Mapping[str, bytes]) -> str:
    """A self-contained HTML report (PNGs embedded as data URIs)."""
    d = doc["decision"]
    verdict = "PROMOTE" if d["promote"] else "REJECT"
    color = "#1a7f37" if d["promote"] else "#cf222e"

    def img(name: str) -> str:
        data = base64.b64encode(images[name]).decode()
        return f'<img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'

    title = (f"Model evaluation: {doc.get('model_name', '')} {d['challenger_version']} vs champion "
             f"{d['champion_version'] or '(none)'}")
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in d["reasons"])
    holdout = doc["evaluation"]["holdout"]
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:right}}th{{background:#f3f3f3}}
.verdict{{font-size:1.4em;font-weight:bold;color:{color}}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="verdict">Decision: {verdict}</p><p>Generated {html.escape(doc['generated_at'])}</p>
<h2>Reasons</h2><ul>{reasons}</ul>
<h2>Holdout</h2><p>{holdout['rows']} rows, {holdout['positives']} positives;
window {html.escape(str(holdout.get('window', 'n/a')))}</p>
<h2>Metrics</h2>{_html_table(*_metric_rows(doc))}{img('pr_curve.png')}
<h2>Slices</h2>{_html_table(*_slice_rows(doc))}
<h2>Calibration</h2>{_html_table(*_calibration_rows(doc))}{img('calibration.png')}
</body></html>
"""


def write_report(store: ArtifactStore, prefix: str, ev: Evaluation, decision: Decision, rule: PromotionRule,
                 meta: Mapping | None = None) -> str:
    """Write ``report.json``, ``report.md``, ``report.html``, ``pr_curve.png`` and ``calibration.png`` under
    ``<prefix>report/<decision_id>/``: every decision on a version keeps its own, never overwritten, report.

    :param store: artifact store (bucket).
    :param prefix: the challenger's version prefix, ``models/<model>/<version>/``.
    :param ev: the evaluation.
    :param decision: the decision, with its ``decision_id`` set (its ``report_uri`` is set here).
    :param rule: the rule applied.
    :param meta: extra fields for the JSON (model name ...).
    :returns: the S3 URI of ``report.html``.
    """
    from dataops.evaluation.plots import calibration_png, pr_curve_png  # matplotlib only when reporting

    if not decision.decision_id:
        raise ValueError("a report is keyed by its decision: set decision.decision_id first")
    base = f"{prefix}report/{decision.decision_id}/"
    decision.report_uri = store.uri(base + "report.html")
    doc = report_document(ev, decision, rule, meta)
    images = {"pr_curve.png": pr_curve_png(ev), "calibration.png": calibration_png(ev)}
    store.ensure_bucket()
    for name, data in images.items():
        store.put(base + name, data)
    store.put(base + "report.json", dumps(doc).encode())
    store.put(base + "report.md", render_markdown(doc).encode())
    store.put(base + "report.html", render_html(doc, images).encode())
    return decision.report_uri

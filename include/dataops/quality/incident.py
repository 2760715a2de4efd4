"""An incident: a batch the quality gate stopped on a critical finding, handed to the analysts' triage.

The gate keeps the small JSON of :func:`incident_of` (XCom, never data); the Value Pipeline's ``open_triage``
task turns it into the conf of one ``quality_triage`` run (:func:`triage_conf`), whose human-in-the-loop
task shows :func:`triage_subject` and :func:`triage_body` under "Required Actions" of the Airflow UI.
"""

from __future__ import annotations

from typing import Any

from dataops.quality.result import GateResult
from dataops.textsafe import md_code, md_link, printable

#: at most this many findings are listed in the action (the Data Docs page has them all)
MAX_FINDINGS = 12


def incident_of(result: GateResult) -> dict[str, Any] | None:
    """What the triage of a blocking gate result needs, or None when the batch was not stopped.

    :param result: the gate's result for the batch.
    :returns: ``dataset``, ``batch_date``, ``metrics`` (critical ones), ``findings`` (one line each) and
        ``data_docs`` (the served URL of the run's validation page, if any).
    """
    if not result.blocking:
        return None
    critical = result.critical
    return {"dataset": result.dataset, "batch_date": result.batch_date,
            "metrics": sorted({f["metric"] for f in critical}),
            "findings": [result.describe(f) for f in critical[:MAX_FINDINGS]],
            "more": max(0, len(critical) - MAX_FINDINGS),
            "data_docs": result.paths.get("data_docs")}


def triage_subject(incident: dict[str, Any]) -> str:
    """The action's headline: ``Critical finding on transactions 2026-03-14: row_count, amount_log_mean``."""
    metrics = incident.get("metrics") or []
    shown = ", ".join(metrics[:3]) + (f" and {len(metrics) - 3} more" if len(metrics) > 3 else "")
    return printable(f"Critical finding on {incident['dataset']} {incident['batch_date']}: {shown}", 250)


def triage_body(incident: dict[str, Any], *, view_url: str | None = None, chart_urls: dict[str, str] | None = None
                ) -> str:
    """The action's Markdown: what fired, the charts, the links, and what each answer does. Values from the
    data are inert: findings in code spans (:func:`dataops.textsafe.md_code`), links ``http(s)`` only.

    :param incident: :func:`incident_of`'s JSON.
    :param view_url: the batch's page in the DataOps view.
    :param chart_urls: metric -> URL of its control chart page.
    """
    # findings quote the data (file keys, header names, unexpected values): code spans, never Markdown
    lines = ["**What fired** (critical, the batch was not scored):", ""]
    lines += [f"- {md_code(line)}" for line in incident.get("findings") or []]
    if incident.get("more"):
        lines.append(f"- ... and {int(incident['more'])} more (see the Data Docs)")
    charts = [md_link(f"control chart of {metric}", url) for metric, url in (chart_urls or {}).items()]
    if charts:
        lines += ["", "**Charts** (DataOps view): " + " · ".join(charts)]
    links = [md_link("Data Docs of the gate run", incident["data_docs"])] if incident.get("data_docs") else []
    if view_url:
        links.append(md_link("the batch in the DataOps view", view_url))
    if links:
        lines += ["", " · ".join(links)]
    lines += ["", "**Answer**", "",
              "- `false_positive`: the points go back into the baseline and the day's Value Pipeline run is "
              "re-run at once (gate, then scoring);",
              "- `known_bad`: a real incident: the day stays out of every baseline and of model training.",
              "", "Your answer is recorded with your Airflow login; the comment is kept in the audit."]
    return "\n".join(lines)


def triage_conf(incident: dict[str, Any], *, value_dag_id: str, value_run_id: str, logical_date: str,
                view_url: str | None = None, chart_urls: dict[str, str] | None = None) -> dict[str, Any]:
    """The conf of the incident's ``quality_triage`` run (what the action shows and which run a false positive
    re-runs).

    :param incident: :func:`incident_of`'s JSON.
    :param value_dag_id: the Value Pipeline DAG of the stopped run.
    :param value_run_id: that run (re-run on ``false_positive``).
    :param logical_date: its logical date (ISO 8601).
    :param view_url: the batch's page in the DataOps view.
    :param chart_urls: metric -> URL of its control chart image.
    """
    return {"dataset": incident["dataset"], "batch_date": incident["batch_date"], "metrics": incident["metrics"],
            "value_dag_id": value_dag_id, "value_run_id": value_run_id, "logical_date": logical_date,
            "subject": triage_subject(incident),
            "body": triage_body(incident, view_url=view_url, chart_urls=chart_urls)}

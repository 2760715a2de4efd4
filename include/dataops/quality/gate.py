"""The quality gate of one batch: metrics -> history -> SPC -> history -> GX -> Data Docs -> alerts -> verdict.

:func:`run_gate` is the pure core (no Airflow): the operator calls it and fails the task when the result is
blocking. Order of work:

1. compute the batch's metrics in the warehouse (:mod:`dataops.quality.metrics`);
2. load each metric's history (earlier batches only, so a batch is never in its own baseline);
3. evaluate each metric with the SPC engine (the engine leaves ``out_of_control`` / ``known_bad`` batches
   out of the baseline and keeps ``false_positive`` ones);
4. record the points in ``quality.metric_history`` (replacing the date's rows; analysts' labels kept);
5. run the dataset's GX checkpoint with the SPC limits as suite parameters and build Data Docs;
6. hand every evaluation (and chart series of the flagged metrics) to the alerts API (a failure there is logged, never decisive);
7. return a :class:`~dataops.quality.result.GateResult`; it is blocking when any finding is critical.

A critical SPC finding on a point an analyst labelled ``false_positive`` is reported as acknowledged and
does not block, so clearing the gate task after labelling lets the run continue.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from dataops import settings
from dataops.monitoring.limits import RULE as LIMIT_RULE
from dataops.quality.config import MetricSpec, QualityConfig, load_quality_config
from dataops.quality.history import (
    HistoryRow,
    ensure_tables,
    labels_of,
    load_history,
    write_points,
)
from dataops.quality.metrics import BatchFacts, MetricValue, compute_batch_metrics, compute_score_metrics
from dataops.quality.result import GateResult
from dataops.spc import (
    CRITICAL,
    FALSE_POSITIVE,
    IN_CONTROL,
    WARNING,
    Evaluation,
    Point,
    chart_series,
    evaluate_point,
)
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse
from dataops.weblinks import reports_url

log = logging.getLogger(__name__)
CONTRACT_METRIC = "contract.rejected_files"
SERIES_POINTS = 60


def reports_dir() -> Path:
    """``DATAOPS_REPORTS_DIR`` (default ``.local/reports``), absolute."""
    return settings.path("DATAOPS_REPORTS_DIR")


def contract_evaluation(batch_date: str, facts: BatchFacts) -> dict[str, Any]:
    """The file-contract check as an evaluation-shaped dict (critical when any file was rejected).

    :param batch_date: ``YYYY-MM-DD``.
    :param facts: the ledger facts of the batch.
    """
    findings = [{"rule": "file_contract", "severity": CRITICAL, "description": message or f"{key}: rejected",
                 "magnitude": None} for key, message in facts.rejected]
    verdict = CRITICAL if findings else IN_CONTROL
    return {"metric": CONTRACT_METRIC, "chart": "contract", "batch_date": batch_date,
            "value": float(len(facts.rejected)), "n": None, "centre": 0.0, "ucl": 0.0, "lcl": 0.0, "sigma": None,
            "z": None, "verdict": verdict, "blocking": bool(findings), "findings": findings,
            "suppressed_findings": [], "notes": [f"{len(facts.rejected)} file(s) rejected by the file contract"],
            "baseline_dates": [], "excluded_dates": [], "chart_statistic": {}}


def _finding(ev: dict, f: dict) -> dict:
    return {"metric": ev["metric"], "severity": f["severity"], "rule": f["rule"], "description": f["description"],
            "value": ev.get("value"), "centre": ev.get("centre"), "lcl": ev.get("lcl"), "ucl": ev.get("ucl"),
            "z": ev.get("z")}


def _gx_findings(gx: dict, suites_blocking: tuple[str, ...]) -> list[dict]:
    out = []
    for f in gx.get("failures") or []:
        if f["suite"] not in suites_blocking:
            continue  # SPC suite: the engine's verdict (with run rules and practical change) decides
        column = f".{f['column']}" if f.get("column") else ""
        shown = f"{f['unexpected_count']} row(s) ({f.get('unexpected_percent') or 0:.2f}%)" \
            if f.get("unexpected_count") is not None else f"observed {f.get('observed_value')}"
        examples = f", e.g. {f['partial_unexpected_list'][:3]}" if f.get("partial_unexpected_list") else ""
        out.append({"metric": f"gx.{f['suite']}.{f['expectation']}{column}", "severity": f["severity"],
                    "rule": f["expectation"], "description": f"GX {f['expectation']}{column}: {shown} fail{examples}",
                    "value": f.get("unexpected_count"), "centre": None, "lcl": None, "ucl": None, "z": None})
    return out


def _evaluate(specs: list[MetricSpec], values: list[MetricValue], history: dict[str, list[Point]], day: date
              ) -> dict[str, Evaluation]:
    by_name = {s.name: s for s in specs}
    out = {}
    for v in values:
        if v.value is None or by_name[v.metric].is_limit:
            continue
        out[v.metric] = evaluate_point(history.get(v.metric, []), Point(day, v.value, v.n), by_name[v.metric].spc)
    return out


def _series(specs: dict[str, MetricSpec], history: dict[str, list[Point]], evs: dict[str, Evaluation],
            statuses: dict[str, str]) -> dict[str, dict]:
    out = {}
    for name, ev in evs.items():
        if ev.verdict not in (WARNING, CRITICAL):
            continue
        today = Point(ev.batch_date, ev.value, ev.n, statuses.get(name, "in_baseline"))
        out[name] = chart_series([*history.get(name, []), today], specs[name].spc, last_n=SERIES_POINTS).to_dict()
    return out


def run_gate(location: Warehouse | WarehouseLocation | str, dataset: str, batch_date: str, *,
             run_id: str | None = None, stage: str = "batch", config: QualityConfig | None = None,
             run_gx: bool = True, docs_dir: str | Path | None = None, gx_project_dir: str | Path | None = None,
             raw_schema: str = "raw", threshold: float | None = None, alert: Callable[..., dict] | None = None,
             links: dict[str, str] | None = None, freshness: Any = None,
             task_seconds: Mapping[str, float] | None = None) -> GateResult:
    """Judge one batch of a dataset; never raises for a data verdict (the caller decides to fail).

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    :param dataset: dataset name.
    :param batch_date: ``YYYY-MM-DD``.
    :param run_id: pipeline run recorded with the points.
    :param stage: ``batch`` (quality step), ``post_score`` (after scoring: score and model metrics, no GX),
        ``outcome`` (``batch_date`` is a scoring day whose labels matured: the champion's outcome, no GX) or
        ``freshness`` (``batch_date`` is the check's date: hours since the last landed batch and scoring) or
        ``pipeline`` (the run's own speed: seconds of work and rows per second of its tasks).
    :param config: quality configuration (default: ``expectations/metrics/<dataset>.yaml``).
    :param run_gx: run the GX checkpoint (stage ``batch`` only).
    :param docs_dir: Data Docs folder (default ``$DATAOPS_REPORTS_DIR/data_docs``).
    :param gx_project_dir: GX project root (default ``expectations/``).
    :param raw_schema: schema of the raw tables.
    :param threshold: decision threshold for ``score_flag_rate`` (default: the dataset's).
    :param alert: called as ``alert(evaluations=..., series=..., links=...)`` with every metric's evaluation
        (the operator binds :func:`dataops.alerts.dispatch_alerts` to it); its exceptions are logged only.
    :param links: extra links for the alert (e.g. ``{"task": url}``); ``data_docs`` is added.
    :param freshness: stage ``freshness`` only: the :class:`~dataops.monitoring.freshness.Freshness` measured.
    :param task_seconds: stage ``pipeline`` only: task_id -> seconds of work in the run
        (:func:`dataops.monitoring.speed.task_seconds` of its task-instance records).
    """
    from dataops.datasets import load_dataset

    cfg = config or load_quality_config(dataset)
    ds_cfg = load_dataset(dataset)
    day = date.fromisoformat(batch_date)
    warehouse = open_warehouse(location)
    ensure_tables(warehouse)
    specs = cfg.stage(stage)
    values, fixed, notes = _measure(warehouse, cfg, ds_cfg, stage, batch_date, specs, raw_schema=raw_schema,
                                    threshold=threshold, freshness=freshness, task_seconds=task_seconds)
    history = load_history(warehouse, dataset, [s.name for s in specs], before=day)
    if stage == "post_score":  # a new champion's score level: its own baseline, its predecessors' until then
        from dataops.monitoring.measure import score_baseline

        specs, history = score_baseline(warehouse, dataset, specs, history, batch_date)
    evs = _evaluate(specs, values, history, day)
    statuses = write_points(warehouse, dataset, batch_date, _history_rows(values, evs, fixed), run_id)
    labels = labels_of(warehouse, dataset, batch_date)

    result = GateResult(dataset=dataset, batch_date=batch_date, stage=stage)
    ev_dicts = {m: ev.to_dict() for m, ev in evs.items()}
    _add_drift_notes(ev_dicts, notes)
    all_evs = [*ev_dicts.values(), *fixed]
    _collect(result, all_evs, statuses, labels)
    docs = Path(docs_dir) if docs_dir else reports_dir() / "data_docs"
    if stage == "batch" and run_gx and cfg.gx_checkpoint:
        _check_gx(result, warehouse, cfg, values, ev_dicts, docs_dir=docs, project_dir=gx_project_dir,
                  raw_schema=raw_schema, run_name=run_id)
    result.settle_verdict()
    if alert is not None:
        series = _series({s.name: s for s in specs}, history, evs, statuses)
        _alert(result, alert, all_evs, series, links)
    result.paths["result"] = str(_save(result, docs.parent / "quality"))
    return result


def _measure(warehouse: Warehouse, cfg: QualityConfig, ds_cfg: Any, stage: str, batch_date: str,
             specs: list[MetricSpec], *, raw_schema: str, threshold: float | None, freshness: Any,
             task_seconds: Mapping[str, float] | None = None
             ) -> tuple[list[MetricValue], list[dict[str, Any]], list[str]]:
    """Stage 1: the values SPC judges, the fixed-limit evaluations and notes for the alert, by stage."""
    if stage == "batch":
        values, facts = _measure_batch(warehouse, cfg, ds_cfg, batch_date, raw_schema)
        return values, [contract_evaluation(batch_date, facts)], []
    if stage == "freshness":  # batch_date is the check's date; the caller measured the bucket and tables
        from dataops.monitoring.freshness import freshness_evaluations

        if freshness is None:
            raise ValueError("the freshness stage judges what the caller measured: pass freshness=")
        return [], freshness_evaluations(specs, freshness, batch_date), []
    if stage == "pipeline":  # the caller read the run's task-instance records
        from dataops.monitoring.speed import measure_speed

        if task_seconds is None:
            raise ValueError("the pipeline stage judges the run's task durations: pass task_seconds=")
        raw_table = ds_cfg.sources[cfg.source].raw_table.replace("raw.", f"{raw_schema}.", 1)
        return measure_speed(warehouse, specs, ds_cfg.name, raw_table, batch_date, task_seconds), [], []
    if stage == "outcome":  # batch_date is the scoring day whose labels matured
        from dataops.monitoring.outcomes import measure_outcomes

        return measure_outcomes(warehouse, specs, ds_cfg, batch_date), [], []
    return _measure_scores(warehouse, cfg, ds_cfg, batch_date, threshold, specs)


def _measure_batch(warehouse: Warehouse, cfg: QualityConfig, ds_cfg: Any, batch_date: str, raw_schema: str
                   ) -> tuple[list[MetricValue], BatchFacts]:
    """Stage 1 (``batch``): the batch's metrics in the warehouse, and its ledger facts."""
    raw_table = ds_cfg.sources[cfg.source].raw_table.replace("raw.", f"{raw_schema}.", 1)
    return compute_batch_metrics(warehouse, cfg, raw_table, batch_date)


def _measure_scores(warehouse: Warehouse, cfg: QualityConfig, ds_cfg: Any, batch_date: str,
                    threshold: float | None, specs: list[MetricSpec]
                    ) -> tuple[list[MetricValue], list[dict[str, Any]], list[str]]:
    """Stage 1 (``post_score``): the score metrics at the decision threshold (default: the dataset's) and the
    model-monitoring metrics (:mod:`dataops.monitoring.measure`): SPC values, fixed-limit evaluations, notes."""
    from dataops.monitoring.measure import measure_model

    thr = ds_cfg.decision_threshold if threshold is None else threshold
    model_values, fixed, notes = measure_model(warehouse, specs, ds_cfg, batch_date)
    return [*compute_score_metrics(warehouse, cfg, batch_date, thr), *model_values], fixed, notes


def _add_drift_notes(ev_dicts: dict[str, dict], notes: list[str]) -> None:
    """The features that moved most, on every flagged feature-drift evaluation (the alert shows them)."""
    for ev in ev_dicts.values():
        if ev["metric"].startswith("feature_psi.") and ev["findings"]:
            ev["notes"] = [*ev.get("notes", []), *notes]


def _history_rows(values: list[MetricValue], evs: dict[str, Evaluation], fixed: list[dict[str, Any]]
                  ) -> list[HistoryRow]:
    """Stage 4: the rows recorded in the history (metrics without a value are recorded as ``learning``);
    ``fixed`` are the fixed-limit evaluations (the file contract, numerical stability, model age)."""
    rows = [HistoryRow.from_evaluation(ev) for ev in evs.values()]
    rows += [HistoryRow(v.metric, None, v.n, "learning") for v in values if v.value is None]
    rows += [HistoryRow(e["metric"], e["value"], e.get("n"), e["verdict"], e.get("centre"), e.get("ucl"),
                        e.get("lcl"), rules=tuple(f["rule"] for f in e["findings"])) for e in fixed]
    return rows


def _collect(result: GateResult, evaluations: list[dict], statuses: dict[str, str], labels: dict[str, str]
             ) -> None:
    """Each evaluation's summary and findings into ``result``; a critical finding on a point labelled
    ``false_positive`` is acknowledged, not blocking."""
    for ev in evaluations:
        metric = ev["metric"]
        result.metrics[metric] = {k: ev.get(k) for k in ("value", "n", "verdict", "centre", "lcl", "ucl", "z")}
        result.metrics[metric].update(status=statuses.get(metric), rules=[f["rule"] for f in ev["findings"]])
        for f in ev["findings"]:
            acknowledged = f["severity"] == CRITICAL and labels.get(metric) == FALSE_POSITIVE
            (result.acknowledged if acknowledged else result.findings).append(_finding(ev, f))


def _check_gx(result: GateResult, warehouse: Warehouse, cfg: QualityConfig, values: list[MetricValue],
              ev_dicts: dict[str, dict], *, docs_dir: Path, project_dir: str | Path | None, raw_schema: str,
              run_name: str | None = None) -> None:
    """Stage 5: the dataset's GX checkpoint with the SPC limits as suite parameters, and Data Docs.

    Failures of the contract suites (not the ``*_spc`` ones) are added to the findings.
    """
    from dataops.quality.gx_runner import run_checkpoint, spc_parameters

    assert cfg.gx_checkpoint is not None  # the caller runs GX only for a configured checkpoint
    has_rows = any(v.metric == "row_count" and (v.value or 0) > 0 for v in values)
    outcome = run_checkpoint(warehouse.location, checkpoint=cfg.gx_checkpoint, batch_date=result.batch_date,
                             parameters=spc_parameters(ev_dicts, cfg), docs_dir=docs_dir, has_rows=has_rows,
                             project_dir=project_dir, raw_schema=raw_schema, run_name=run_name)
    result.gx = outcome.to_dict()
    result.paths["data_docs"] = reports_url(outcome.docs_url)  # served over HTTP by the plugin app
    contract_suites = tuple(s for s in cfg.gx_suites if not s.endswith("_spc"))
    result.findings.extend(_gx_findings(result.gx, contract_suites))


def _alert(result: GateResult, alert: Callable[..., dict], evaluations: list[dict], series: dict[str, dict],
           links: dict[str, str] | None) -> None:
    """Stage 6: every evaluation (the alerts API also reports "back in control") and the GX contract
    failures to ``alert``; a failure there is logged and recorded, never decisive."""
    alerted = [*evaluations,
               *(_gx_evaluation(result.batch_date, f) for f in result.findings if f["metric"].startswith("gx."))]
    try:
        result.alerts = alert(evaluations=alerted, series=series,
                              links={**(links or {}), "data_docs": result.paths.get("data_docs") or ""})
    except Exception as exc:  # noqa: BLE001 - the verdict never depends on the e-mail
        log.exception("alerting failed; the quality verdict stands")
        result.alerts = {"error": f"{type(exc).__name__}: {exc}"}


def _gx_evaluation(batch_date: str, f: dict) -> dict:
    """A GX contract failure in the evaluation shape the alerts API takes."""
    return {"metric": f["metric"], "chart": "gx", "batch_date": batch_date, "value": f["value"], "n": None,
            "centre": None, "ucl": None, "lcl": None, "sigma": None, "z": None, "verdict": f["severity"],
            "blocking": f["severity"] == CRITICAL,
            "findings": [{"rule": f["rule"], "severity": f["severity"], "description": f["description"],
                          "magnitude": None}],
            "suppressed_findings": [], "notes": [], "baseline_dates": [], "excluded_dates": [], "chart_statistic": {}}


def _save(result: GateResult, folder: Path) -> Path:
    path = folder / result.dataset / f"{result.batch_date}.{result.stage}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_dict(), indent=1, default=str))
    return path


def reevaluate_batch(location: Warehouse | WarehouseLocation | str, dataset: str, batch_date: str, *,
                     run_id: str | None = None, config: QualityConfig | None = None) -> GateResult:
    """Re-judge a batch from its recorded metric values (no SQL on the batch, no GX, no alert).

    Used after an analyst's label: the points are re-evaluated against the current history and written
    back (labels kept), and the result tells whether the batch still blocks.

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    :param dataset: dataset name.
    :param batch_date: ``YYYY-MM-DD``.
    :param run_id: the labelling run.
    :param config: quality configuration.
    """
    from dataops.quality.history import HISTORY

    cfg = config or load_quality_config(dataset)
    warehouse = open_warehouse(location)
    day = date.fromisoformat(batch_date)
    recorded = warehouse.fetchall(f"SELECT metric, value, n, verdict, rules FROM {HISTORY} WHERE dataset = ? "
                                  "AND batch_date = CAST(? AS DATE)", [dataset, batch_date])
    specs = {s.name: s for s in cfg.metrics}
    values = [MetricValue(m, v, int(n) if n else None) for m, v, n, _, _ in recorded
              if m in specs and not specs[m].is_limit]
    history = load_history(warehouse, dataset, [v.metric for v in values], before=day)
    evs = _evaluate([specs[v.metric] for v in values], values, history, day)
    statuses = write_points(warehouse, dataset, batch_date, [HistoryRow.from_evaluation(e) for e in evs.values()],
                            run_id)
    labels = labels_of(warehouse, dataset, batch_date)
    result = GateResult(dataset=dataset, batch_date=batch_date, stage="relabel")
    _collect(result, [ev.to_dict() for ev in evs.values()], statuses, labels)
    for m, value, _, verdict, rules in recorded:
        fixed_limit = m in specs and specs[m].is_limit
        if (m == CONTRACT_METRIC or fixed_limit) and verdict == CRITICAL:
            what = f"{m} = {value:g} beyond its fixed limit" if fixed_limit else f"file contract broken ({rules})"
            finding = {"metric": m, "severity": CRITICAL, "rule": LIMIT_RULE if fixed_limit else "file_contract",
                       "description": what, "value": value, "centre": None,
                       "lcl": None, "ucl": None, "z": None}
            (result.acknowledged if labels.get(m) == FALSE_POSITIVE else result.findings).append(finding)
    result.settle_verdict()
    return result

"""Run a dataset's GX checkpoint on one batch, in the warehouse, and build Data Docs.

The committed file context (``expectations/gx``) reads two variables from the environment:
``DATAOPS_GX_WAREHOUSE_URL`` (the warehouse's SQLAlchemy URL) and ``DATAOPS_GX_DATA_DOCS_DIR`` (where Data
Docs are written). :func:`run_checkpoint` sets them for the duration of the run only. GX computes every
expectation with SQL on the batch (``WHERE`` on the batch date pushed into the query); on DuckDB the
persisted-connection fix of :mod:`dataops.quality.gx_duckdb` is applied.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dataops.quality.config import QualityConfig
from dataops.quality.gx_duckdb import persisted_duckdb_connection
from dataops.quality.gx_project import DATASOURCE, DOCS_SITE, gx_root, param, spc_gx_metrics, with_raw_schema
from dataops.warehouse import WarehouseLocation
from dataops.warehouse.location import duckdb_creator

log = logging.getLogger(__name__)
#: Stand-in limits while a metric is still learning (GX "between" expectations need at least one bound).
NO_LIMIT = 1e300


@dataclass
class GXOutcome:
    """What the checkpoint found, small enough for XCom.

    :param ran: whether GX validated a batch (False when the batch has no rows).
    :param success: overall GX success (None when not run).
    :param docs_url: ``file://`` URL of this run's validation page in Data Docs (or the index).
    :param suites: per suite: name, success, evaluated / successful expectation counts.
    :param failures: failed expectations: suite, type, column, severity, observed value, SPC details.
    :param spc: metric -> SPC details GX recorded for it (value GX observed, centre, limits, z, rules).
    :param note: why GX did not run, if it did not.
    """

    ran: bool
    success: bool | None = None
    docs_url: str | None = None
    suites: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    spc: dict[str, dict] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def _env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def spc_parameters(evaluations: Mapping[str, Mapping[str, Any]], config: QualityConfig) -> dict[str, Any]:
    """Suite parameters of the SPC suite from the engine's evaluations (``Evaluation.to_dict()`` by metric).

    :param evaluations: metric -> evaluation dict.
    :param config: the dataset's quality configuration (its suite's metrics: ``spc_gx_metrics``).
    """
    out: dict[str, Any] = {}
    for metric in spc_gx_metrics(config):
        ev = evaluations.get(metric) or {}
        lcl, ucl = ev.get("lcl"), ev.get("ucl")
        out[param(metric, "lcl")] = -NO_LIMIT if lcl is None else lcl
        out[param(metric, "ucl")] = NO_LIMIT if ucl is None else ucl
        out[param(metric, "spc")] = {
            "metric": metric, "value": ev.get("value"), "centre": ev.get("centre"), "sigma": ev.get("sigma"),
            "z": ev.get("z"), "verdict": ev.get("verdict"),
            "rules": [f["rule"] for f in ev.get("findings") or []]}
    return out


def _column(cfg) -> str | None:
    return (cfg.kwargs or {}).get("column")


def _summarise(context, checkpoint_result) -> GXOutcome:
    out = GXOutcome(ran=True, success=bool(checkpoint_result.success))
    docs = failing = None
    for vr_id, run in checkpoint_result.run_results.items():
        suite = run.suite_name
        stats = run.statistics or {}
        out.suites.append({"suite": suite, "success": bool(run.success),
                           "evaluated": stats.get("evaluated_expectations"),
                           "successful": stats.get("successful_expectations")})
        for r in run.results:
            cfg = r.expectation_config
            body = r.result or {}
            spc = (body.get("details") or {}).get("spc")
            if spc and spc.get("metric"):
                out.spc[spc["metric"]] = {**spc, "success": bool(r.success)}
            if r.success:
                continue
            exc = (r.exception_info or {})
            raised = exc.get("raised_exception") if isinstance(exc, dict) else None
            out.failures.append({
                "suite": suite, "expectation": cfg.type, "column": _column(cfg),
                "severity": str(getattr(getattr(cfg, "severity", None), "value", None) or
                                (cfg.kwargs or {}).get("severity") or "critical"),
                "observed_value": body.get("observed_value"), "unexpected_count": body.get("unexpected_count"),
                "unexpected_percent": body.get("unexpected_percent"),
                "partial_unexpected_list": (body.get("partial_unexpected_list") or [])[:5],
                "spc": spc, "error": str(exc.get("exception_message"))[:300] if raised else None})
        if docs is None or (not run.success and failing is None):
            urls = context.get_docs_sites_urls(resource_identifier=vr_id, site_names=[DOCS_SITE])
            docs = urls[0]["site_url"] if urls else docs
            failing = docs if not run.success else None
    out.docs_url = docs  # the first failing suite's page (what the analyst must see), else the first page
    return out


def _docs_index(context) -> str | None:
    context.build_data_docs(site_names=[DOCS_SITE])
    urls = context.get_docs_sites_urls(site_names=[DOCS_SITE])
    return urls[0]["site_url"] if urls else None


def run_checkpoint(location: WarehouseLocation, *, checkpoint: str, batch_date: str,
                   parameters: Mapping[str, Any], docs_dir: str | Path, has_rows: bool = True,
                   project_dir: str | Path | None = None, raw_schema: str = "raw",
                   run_name: str | None = None) -> GXOutcome:
    """Validate one batch with a committed checkpoint and update Data Docs.

    :param location: the warehouse (DuckDB file or PostgreSQL).
    :param checkpoint: checkpoint name, e.g. ``transactions_quality``.
    :param batch_date: ``YYYY-MM-DD``.
    :param parameters: suite parameters (the SPC limits; :func:`spc_parameters`).
    :param docs_dir: where Data Docs are written.
    :param has_rows: False when the batch has no rows (GX then only rebuilds the docs index).
    :param project_dir: GX project root (default ``expectations/``).
    :param raw_schema: schema of the raw tables (tests on a shared PostgreSQL use a unique schema; the
        committed query asset says ``raw``; the change is made in memory only, never saved).
    :param run_name: the pipeline run (Airflow run id): Data Docs keep each run's validation pages under
        ``validations/<suite>/<run_name>/<run time>/``, so no run overwrites another's page.
    """
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    import dataops.quality.gx_expectations  # noqa: F401  (registers the SPC expectations)
    from dataops.quality.gx_escaping import install as escape_data_values_in_data_docs

    escape_data_values_in_data_docs()

    day = date.fromisoformat(batch_date)
    Path(docs_dir).mkdir(parents=True, exist_ok=True)
    with _env(DATAOPS_GX_WAREHOUSE_URL=location.sqlalchemy_url, DATAOPS_GX_DATA_DOCS_DIR=str(Path(docs_dir).resolve())):
        with persisted_duckdb_connection():
            context = gx.get_context(mode="file", project_root_dir=str(project_dir or gx_root()))
            quiet_progress_bars(context)
            datasource = context.data_sources.get(DATASOURCE)
            if raw_schema != "raw":
                for asset in datasource.assets:
                    asset.query = with_raw_schema(asset.query, raw_schema)
            if location.kind == "duckdb" and location.path:  # plain connections (see WarehouseLocation.engine)
                # GX types data_sources.get() as the generic Datasource; the SQL one it returns has kwargs.
                datasource.kwargs = {**datasource.kwargs,  # type: ignore[attr-defined]
                                     "creator": duckdb_creator(location.path)}
            try:
                if not has_rows:
                    return GXOutcome(ran=False, docs_url=_docs_index(context),
                                     note=f"no rows for {batch_date}: nothing for GX to validate")
                result = context.checkpoints.get(checkpoint).run(
                    batch_parameters={"year": day.year, "month": day.month, "day": day.day},
                    expectation_parameters=dict(parameters), run_id=RunIdentifier(run_name=run_name))
                return _summarise(context, result)
            finally:
                _close_engines(context)


def quiet_progress_bars(context) -> None:
    """No tqdm bars: they go to stderr, which a task log shows as ERROR lines ("Calculating Metrics: 0%")
    next to the gate's real findings (set in memory for this run; the project file is unchanged)."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)


def _close_engines(context) -> None:
    """Release GX's persisted DuckDB connection (the file stays usable by other processes)."""
    try:
        for ds in context.data_sources.all().values():
            engine = getattr(ds, "_cached_execution_engine", None) or getattr(ds, "_execution_engine", None)
            if engine is not None and hasattr(engine, "close"):
                engine.close()
            if getattr(ds, "_engine", None) is not None:
                ds._engine.dispose()
    except Exception:  # noqa: BLE001 - best effort
        log.debug("could not close GX engines", exc_info=True)

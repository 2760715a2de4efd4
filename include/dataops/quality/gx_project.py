"""The Great Expectations file context under ``expectations/gx/`` (committed): how it is (re)built.

Generated from each dataset's configuration, never written by hand: ``python -m dataops.quality.gx_project``
(every configured dataset, or ``--dataset NAME``) writes, for a dataset ``<d>``:

* data source ``warehouse`` (SQL, shared by every dataset; connection string ``${DATAOPS_GX_WAREHOUSE_URL}``,
  substituted from the environment at run time, so nothing secret is committed; ``create_temp_table: false``)
  with the query asset ``<d>_batch``: the raw rows of the metrics file's main ``source`` (its ``raw_table``
  in the dataset YAML) plus ``log_<column>`` for every ``log_mean`` / ``log_std`` metric, and its daily batch
  definition on ``batch_date`` (GX pushes ``WHERE`` on the date into the query);
* suite ``<d>_contract`` from the metrics file's ``gx_contract`` section (``not_null``, ``unique`` column
  lists; ``between: {column: [min, max]}``; ``in_set: {column: [values]}``);
* suite ``<d>_spc``: one SPC expectation per batch-stage ``row_count`` / ``log_mean`` / ``log_std`` metric of
  the main source, whose limits are suite parameters (``<metric>_lcl``, ``<metric>_ucl``, ``<metric>_spc``)
  computed by the SPC engine for each run;
* one validation definition per suite and the checkpoint ``<d>_quality`` running them and updating Data Docs
  (site ``local_site`` in ``${DATAOPS_GX_DATA_DOCS_DIR}``).

The metrics file names the suites and checkpoint it runs (``gx_suites``, ``gx_checkpoint``); they must be
the generated ones. ``tests/unit/quality/test_gx_project_generated.py`` checks that the committed files are
exactly what this module generates.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from dataops import settings
from dataops.quality.config import QualityConfig, expectations_dir, load_quality_config

DATASOURCE = "warehouse"
DOCS_SITE = "local_site"
#: SPC metric kinds GX validates again: kind -> expectation class name (log kinds on ``log_<column>``).
SPC_GX_KINDS = {
    "row_count": "ExpectTableRowCountToBeInControl",
    "log_mean": "ExpectColumnMeanToBeInControl",
    "log_std": "ExpectColumnStdevToBeInControl",
}
_FROM_RAW = re.compile(r"\bFROM raw\.")


def param(metric: str, part: str) -> str:
    """Suite parameter name of a metric's ``lcl``, ``ucl`` or ``spc``."""
    return f"{metric.replace('.', '_')}_{part}"


def gx_root() -> Path:
    """The project root holding ``gx/`` (``DATAOPS_GX_PROJECT_DIR`` or ``expectations/``)."""

    return Path(settings.get("DATAOPS_GX_PROJECT_DIR") or expectations_dir())


def spc_gx_metrics(cfg: QualityConfig) -> dict[str, tuple[str, str | None]]:
    """The SPC metrics GX validates again: metric -> (expectation class name, column of the batch query).

    :param cfg: the dataset's quality configuration.
    """
    out: dict[str, tuple[str, str | None]] = {}
    for m in cfg.stage("batch"):
        # EWMA / CUSUM charts signal on a running statistic, not on the batch's value within limits
        if m.kind in SPC_GX_KINDS and cfg.source_of(m) == cfg.source and m.spc.chart not in ("ewma", "cusum"):
            out[m.name] = (SPC_GX_KINDS[m.kind], f"log_{m.column}" if m.column else None)
    return out


def batch_query(cfg: QualityConfig, raw_table: str) -> str:
    """The query asset's SQL: the raw rows plus ``log_<column>`` for the log metrics."""
    columns = sorted({col for _, col in spc_gx_metrics(cfg).values() if col})
    logs = "".join(f", CASE WHEN {c[4:]} > 0 THEN ln({c[4:]}) END AS {c}" for c in columns)
    return f"SELECT *{logs} FROM {raw_table}"


def with_raw_schema(query: str, raw_schema: str) -> str:
    """A committed batch query reading ``raw_schema`` instead of ``raw`` (isolated test schemas)."""
    return _FROM_RAW.sub(f"FROM {raw_schema}.", query)


def contract_expectations(cfg: QualityConfig) -> list:
    """The ``<dataset>_contract`` suite from the metrics file's ``gx_contract`` section."""
    import great_expectations.expectations as gxe

    contract = cfg.gx_contract
    out = [gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"`{c}` is never empty")
           for c in contract.get("not_null") or []]
    out += [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=lo, max_value=hi,
                                              description=f"`{c}` is between {lo} and {hi}")
            for c, (lo, hi) in (contract.get("between") or {}).items()]
    out += [gxe.ExpectColumnValuesToBeInSet(column=c, value_set=list(values),
                                            description=f"`{c}` is one of {', '.join(map(str, values))}")
            for c, values in (contract.get("in_set") or {}).items()]
    out += [gxe.ExpectColumnValuesToBeUnique(column=c, description=f"`{c}` is unique within the batch")
            for c in contract.get("unique") or []]
    return out


def spc_expectations(cfg: QualityConfig) -> list:
    """The ``<dataset>_spc`` suite: one SPC expectation per :func:`spc_gx_metrics` entry."""
    from dataops.quality import gx_expectations as spc

    out = []
    for metric, (cls_name, column) in spc_gx_metrics(cfg).items():
        cls = getattr(spc, cls_name)
        kw = {"column": column} if column else {}
        out.append(cls(min_value={"$PARAMETER": param(metric, "lcl")}, max_value={"$PARAMETER": param(metric, "ucl")},
                       spc={"$PARAMETER": param(metric, "spc")}, **kw))
    return out


def suites(cfg: QualityConfig) -> dict[str, list]:
    """Suite name -> expectations generated for a dataset (a suite without expectations is left out)."""
    out = {f"{cfg.dataset}_contract": contract_expectations(cfg), f"{cfg.dataset}_spc": spc_expectations(cfg)}
    return {name: exps for name, exps in out.items() if exps}


def build(root: Path | None = None, datasets: list[str] | None = None, raw_schema: str = "raw"):
    """(Re)create the file context's data source and, per dataset, its suites, validation definitions and
    checkpoint (objects of datasets not named are left as they are).

    :param root: project root (``gx/`` is created inside); default :func:`gx_root`.
    :param datasets: dataset names (prefix of every object's name); default: every configured dataset.
    :param raw_schema: schema of the raw tables.
    :returns: the GX context.
    """
    import os
    import tempfile

    import great_expectations as gx

    from dataops.datasets import list_datasets

    names = list(datasets or list_datasets())
    tmp = None
    if not os.environ.get("DATAOPS_GX_WAREHOUSE_URL"):
        # GX tests the connection when a data source is added: give it an empty warehouse with the raw tables.
        tmp = tempfile.TemporaryDirectory()
        _empty_warehouse(Path(tmp.name) / "w.duckdb", names, raw_schema)
        os.environ["DATAOPS_GX_WAREHOUSE_URL"] = f"duckdb:///{Path(tmp.name) / 'w.duckdb'}"
    os.environ.setdefault("DATAOPS_GX_DATA_DOCS_DIR", str(Path(tempfile.gettempdir()) / "gx-docs"))
    from dataops.quality.gx_duckdb import persisted_duckdb_connection

    try:
        with persisted_duckdb_connection():
            context = _context(gx, Path(root or gx_root()))
            for name in names:
                _build_dataset(gx, context, name, raw_schema)
            return context
    finally:
        if tmp is not None:
            del os.environ["DATAOPS_GX_WAREHOUSE_URL"]
            tmp.cleanup()


def _empty_warehouse(path: Path, datasets: list[str], raw_schema: str) -> None:
    import duckdb

    from dataops.datasets import load_dataset
    from dataops.ingest.tables import raw_table_ddl

    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE SCHEMA {raw_schema}")
        for name in datasets:
            source = load_dataset(name).sources[load_quality_config(name).source]
            con.execute(raw_table_ddl(source).replace("raw.", f"{raw_schema}."))


def _context(gx, root: Path):
    """The file context with the one Data Docs site and the shared SQL data source."""
    context = gx.get_context(mode="file", project_root_dir=str(root))
    site = {"class_name": "SiteBuilder", "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": "${DATAOPS_GX_DATA_DOCS_DIR}"},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}}
    if DOCS_SITE in (context.variables.data_docs_sites or {}):
        context.update_data_docs_site(site_name=DOCS_SITE, site_config=site)
    else:
        context.add_data_docs_site(site_name=DOCS_SITE, site_config=site)
    for name in list(context.variables.data_docs_sites or {}):
        if name != DOCS_SITE:
            context.delete_data_docs_site(name)
    if DATASOURCE not in context.data_sources.all():
        context.data_sources.add_sql(name=DATASOURCE, connection_string="${DATAOPS_GX_WAREHOUSE_URL}",
                                     create_temp_table=False)
    return context


def _delete(store, name: str) -> None:
    try:
        store.delete(name)
    except Exception:  # noqa: BLE001 - absent on a first build
        pass


def _build_dataset(gx, context, dataset: str, raw_schema: str) -> None:
    from dataops.datasets import load_dataset

    cfg = load_quality_config(dataset)
    raw_table = load_dataset(dataset).sources[cfg.source].raw_table
    ds = context.data_sources.get(DATASOURCE)
    asset_name = f"{dataset}_batch"
    if asset_name in [a.name for a in ds.assets]:
        ds.delete_asset(asset_name)
    asset = ds.add_query_asset(name=asset_name, query=with_raw_schema(batch_query(cfg, raw_table), raw_schema))
    batch_def = asset.add_batch_definition_daily("daily", column="batch_date", validate_batchable=False)
    vds = []
    for suite_name, expectations in suites(cfg).items():
        _delete(context.validation_definitions, suite_name)
        _delete(context.suites, suite_name)
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=expectations))
        vds.append(context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_def, suite=suite)))
    checkpoint_name = f"{dataset}_quality"
    _delete(context.checkpoints, checkpoint_name)
    context.checkpoints.add(gx.Checkpoint(
        name=checkpoint_name, validation_definitions=vds, result_format={"result_format": "SUMMARY"},
        actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="(Re)build the committed GX file context under expectations/gx "
                                                 "from the datasets' metrics files")
    parser.add_argument("--root", default=None, help="project root (default: expectations/)")
    parser.add_argument("--dataset", action="append", default=None,
                        help="dataset to (re)generate; repeatable (default: every configured dataset)")
    args = parser.parse_args(argv)
    build(Path(args.root) if args.root else None, args.dataset)
    print(f"GX file context written under {(Path(args.root) if args.root else gx_root()) / 'gx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

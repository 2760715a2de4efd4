"""The Great Expectations file context under ``expectations/gx/`` (committed): how it is (re)built.

``python -m dataops.quality.gx_project`` writes, for the ``transactions`` dataset:

* data source ``warehouse`` (SQL; connection string ``${DATAOPS_GX_WAREHOUSE_URL}``, substituted from the
  environment at run time, so nothing secret is committed; ``create_temp_table: false``) with the query
  asset ``transactions_batch`` (the raw rows plus ``log_amount``) and its daily batch definition on
  ``batch_date`` (GX pushes ``WHERE`` on the date into the query);
* suite ``transactions_contract``: row-level contract (keys not null, amount range, channel accepted values,
  tx_id unique);
* suite ``transactions_spc``: batch-level SPC expectations whose limits are suite parameters
  (``<metric>_lcl``, ``<metric>_ucl``, ``<metric>_spc``) computed by the SPC engine for each run;
* one validation definition per suite and the checkpoint ``transactions_quality`` running both and
  updating Data Docs (site ``local_site`` in ``${DATAOPS_GX_DATA_DOCS_DIR}``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dataops import settings
from dataops.quality.config import expectations_dir

DATASOURCE = "warehouse"
DOCS_SITE = "local_site"
#: The SPC metrics validated again by GX: metric -> (expectation class name, column).
SPC_GX_METRICS = {
    "row_count": ("ExpectTableRowCountToBeInControl", None),
    "amount_log_mean": ("ExpectColumnMeanToBeInControl", "log_amount"),
    "amount_log_std": ("ExpectColumnStdevToBeInControl", "log_amount"),
}
BATCH_QUERY = ("SELECT *, CASE WHEN amount > 0 THEN ln(amount) END AS log_amount "
               "FROM {raw_schema}.transactions")


def param(metric: str, part: str) -> str:
    """Suite parameter name of a metric's ``lcl``, ``ucl`` or ``spc``."""
    return f"{metric.replace('.', '_')}_{part}"


def gx_root() -> Path:
    """The project root holding ``gx/`` (``DATAOPS_GX_PROJECT_DIR`` or ``expectations/``)."""

    return Path(settings.get("DATAOPS_GX_PROJECT_DIR") or expectations_dir())


def contract_expectations() -> list:
    import great_expectations.expectations as gxe

    keys = ["tx_id", "tx_ts", "customer_id", "terminal_id", "amount"]
    out = [gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"`{c}` is never empty") for c in keys]
    out += [
        gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0.01, max_value=1_000_000,
                                          description="amounts are positive and below one million"),
        gxe.ExpectColumnValuesToBeInSet(column="channel", value_set=["pos", "ecom", "atm"],
                                        description="channel is one of pos, ecom, atm"),
        gxe.ExpectColumnValuesToBeUnique(column="tx_id", description="tx_id is unique within the batch"),
    ]
    return out


def spc_expectations() -> list:
    from dataops.quality import gx_expectations as spc

    out = []
    for metric, (cls_name, column) in SPC_GX_METRICS.items():
        cls = getattr(spc, cls_name)
        kw = {"column": column} if column else {}
        out.append(cls(min_value={"$PARAMETER": param(metric, "lcl")}, max_value={"$PARAMETER": param(metric, "ucl")},
                       spc={"$PARAMETER": param(metric, "spc")}, **kw))
    return out


def build(root: Path | None = None, dataset: str = "transactions", raw_schema: str = "raw"):
    """(Re)create the file context's data source, suites, validation definitions and checkpoint.

    :param root: project root (``gx/`` is created inside); default :func:`gx_root`.
    :param dataset: dataset name (prefix of every object's name).
    :param raw_schema: schema of the raw tables.
    :returns: the GX context.
    """
    import os
    import tempfile

    import great_expectations as gx

    tmp = None
    if not os.environ.get("DATAOPS_GX_WAREHOUSE_URL"):
        # GX tests the connection when a data source is added: give it an empty warehouse with the raw table.
        tmp = tempfile.TemporaryDirectory()
        _empty_warehouse(Path(tmp.name) / "w.duckdb", dataset, raw_schema)
        os.environ["DATAOPS_GX_WAREHOUSE_URL"] = f"duckdb:///{Path(tmp.name) / 'w.duckdb'}"
    os.environ.setdefault("DATAOPS_GX_DATA_DOCS_DIR", str(Path(tempfile.gettempdir()) / "gx-docs"))
    from dataops.quality.gx_duckdb import persisted_duckdb_connection

    try:
        with persisted_duckdb_connection():
            return _build(gx, Path(root or gx_root()), dataset, raw_schema)
    finally:
        if tmp is not None:
            del os.environ["DATAOPS_GX_WAREHOUSE_URL"]
            tmp.cleanup()


def _empty_warehouse(path: Path, dataset: str, raw_schema: str) -> None:
    import duckdb

    from dataops.datasets import load_dataset
    from dataops.ingest.tables import raw_table_ddl

    source = load_dataset(dataset).sources[dataset]
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE SCHEMA {raw_schema}")
        con.execute(raw_table_ddl(source).replace("raw.", f"{raw_schema}."))


def _build(gx, root: Path, dataset: str, raw_schema: str):
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
    ds = context.data_sources.add_or_update_sql(
        name=DATASOURCE, connection_string="${DATAOPS_GX_WAREHOUSE_URL}", create_temp_table=False)
    asset_name = f"{dataset}_batch"
    if asset_name in [a.name for a in ds.assets]:
        ds.delete_asset(asset_name)
    asset = ds.add_query_asset(name=asset_name, query=BATCH_QUERY.format(raw_schema=raw_schema))
    batch_def = asset.add_batch_definition_daily("daily", column="batch_date", validate_batchable=False)
    suites = {f"{dataset}_contract": contract_expectations(), f"{dataset}_spc": spc_expectations()}
    vds = []
    for suite_name, expectations in suites.items():
        for existing in (f"{suite_name}",):
            try:
                context.validation_definitions.delete(existing)
            except Exception:  # noqa: BLE001 - absent on a first build
                pass
            try:
                context.suites.delete(existing)
            except Exception:  # noqa: BLE001
                pass
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=expectations))
        vds.append(context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_def, suite=suite)))
    checkpoint_name = f"{dataset}_quality"
    try:
        context.checkpoints.delete(checkpoint_name)
    except Exception:  # noqa: BLE001
        pass
    context.checkpoints.add(gx.Checkpoint(
        name=checkpoint_name, validation_definitions=vds, result_format={"result_format": "SUMMARY"},
        actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])]))
    return context


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="(Re)build the committed GX file context under expectations/gx")
    parser.add_argument("--root", default=None, help="project root (default: expectations/)")
    parser.add_argument("--dataset", default="transactions")
    args = parser.parse_args(argv)
    build(Path(args.root) if args.root else None, args.dataset)
    print(f"GX file context written under {(Path(args.root) if args.root else gx_root()) / 'gx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

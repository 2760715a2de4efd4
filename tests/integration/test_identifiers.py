"""No identifier, S3 key or file path is built from form input: injection attempts in the labels form, the
rollback (DAG params and the DataOps view's form), the triage answer and the training params are refused with
a clear message or stored as data through parameters, and nothing outside is touched.

Real components: the labels on a DuckDB warehouse file and a fresh PostgreSQL database (``warehouse``), the
registry on SQLite and a real S3 endpoint, the DAGs' own param schemas.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dataops.quality.history import AUDIT, HISTORY
from dataops.quality.labels import apply_label
from tests.unit.overview.history import fill_registry

SQL = "'; DROP TABLE quality.metric_history;--"
ATTEMPTS = [SQL, "../../etc/passwd", "transactions/../models", "x" * 5000, "tr\u0430nsactions",  # Cyrillic a
            "transactions\x00", "transactions\n", "/etc/passwd", "Transactions", ""]


@pytest.fixture
def labelled_history(warehouse):
    """One recorded point of the transactions batch 2026-03-14 (what a gate run leaves)."""
    from dataops.quality.history import HistoryRow, ensure_tables, write_points

    ensure_tables(warehouse)
    write_points(warehouse, "transactions", "2026-03-14",
                 [HistoryRow("row_count", 100.0, None, "critical"), HistoryRow("amount_log_mean", 3.1, None, "ok")],
                 run_id="gate")
    return warehouse


def _tables(warehouse) -> list[tuple]:
    return warehouse.fetchall(f"SELECT metric, status FROM {HISTORY} ORDER BY metric")


@pytest.mark.parametrize("dataset", ATTEMPTS)
def test_a_dataset_that_is_no_plain_name_is_refused_before_any_file_or_table(labelled_history, dataset):
    before = _tables(labelled_history)
    with pytest.raises(ValueError, match="is not a name"):
        apply_label(labelled_history, dataset, "2026-03-14", "known_bad", comment="a real comment", labelled_by="ana")
    assert _tables(labelled_history) == before


@pytest.mark.parametrize("loader", ["dataops.datasets.config:load_dataset",
                                    "dataops.quality.config:load_quality_config"])
@pytest.mark.parametrize("name", ["../../etc/passwd", "transactions/../models", "/etc/hostname", "x\x00"])
def test_configuration_files_are_read_by_plain_names_only(loader, name):
    import importlib

    module, _, function = loader.partition(":")
    with pytest.raises(ValueError, match="is not a name"):
        getattr(importlib.import_module(module), function)(name)


def test_sql_in_metrics_and_comments_is_data(labelled_history):
    with pytest.raises(ValueError, match="no recorded point of metrics"):
        apply_label(labelled_history, "transactions", "2026-03-14", "known_bad", comment="why", labelled_by="ana",
                    metrics=[SQL, "row_count' OR '1'='1"])
    out = apply_label(labelled_history, "transactions", "2026-03-14", "known_bad", comment=SQL,
                      labelled_by="<b>ana</b>", metrics=["row_count"])
    assert out["labelled"] == ["row_count"]
    assert _tables(labelled_history) == [("amount_log_mean", "in_baseline"), ("row_count", "known_bad")]
    assert labelled_history.fetchall(f"SELECT comment, labelled_by FROM {AUDIT}") == [(SQL, "<b>ana</b>")]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("comment", "why\x00not", "control character"), ("comment", "x" * 2001, "at most 2000"),
    ("batch_date", "2026-03-14'; --", "Invalid isoformat"), ("batch_date", "../2026-03-14", "Invalid isoformat"),
    ("verdict", SQL, "label must be one of"),
])
def test_comments_dates_and_verdicts_are_checked(labelled_history, field, value, message):
    args = {"dataset": "transactions", "batch_date": "2026-03-14", "verdict": "known_bad", "comment": "why"}
    args[field] = value
    with pytest.raises(ValueError, match=message):
        apply_label(labelled_history, args["dataset"], args["batch_date"], args["verdict"], comment=args["comment"],
                    labelled_by="ana")
    assert ("row_count", "out_of_control") in _tables(labelled_history)


@pytest.fixture
def registry(s3, bucket, tmp_path):
    from dataops.registry import ModelRegistry

    registry = ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'registry.sqlite'}"), s3, bucket=bucket)
    fill_registry(registry)
    return registry


@pytest.mark.parametrize("model", ATTEMPTS)
def test_a_model_that_is_no_plain_name_never_becomes_a_key(s3, bucket, tmp_path, model):
    from dataops.registry import ModelRegistry
    from dataops.registry.artifacts import version_prefix

    with pytest.raises(ValueError, match="is not a name"):
        ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'r.sqlite'}"), s3, model_name=model, bucket=bucket)
    with pytest.raises(ValueError):
        version_prefix(model, "v1")
    with pytest.raises(ValueError, match="is not v<number>"):
        version_prefix("transactions", "../v1")


def test_a_rollback_reason_is_data_and_control_characters_are_refused(registry):
    from dataops.overview import RollbackRefused, roll_back_champion

    for reason, why in (("why\x00", "control character"), ("x" * 2001, "at most 2000")):
        with pytest.raises(RollbackRefused, match=why):
            roll_back_champion(registry, reason=reason, confirmed=True, actor="alice")
    assert registry.get_alias_version("champion") == "v2"
    move = roll_back_champion(registry, reason=SQL, confirmed=True, actor="alice", expected_version="v2")
    assert (move.to_version, registry.history("champion")[-1]["reason"]) == ("v1", SQL)
    with pytest.raises(RollbackRefused, match="changed since"):
        roll_back_champion(registry, reason="again please", confirmed=True, actor="alice", expected_version=SQL)


@pytest.mark.parametrize("overrides", [
    {"forcedsplits_filename": "/etc/passwd"}, {"output_model": "../../models/x.txt"}, {"machines": "evil:12400"},
    {"num_machines": 2}, {"input_model": "/tmp/x"}, {"learning_rate": SQL}, {"learning_rate": float("nan")},
    {"metric": ["auc", "../x"]}, {"num_leaves": {"$gt": 1}}, {SQL: 1},
])
def test_training_params_are_tuning_parameters_with_plain_values(overrides):
    from dataops.training.params import resolve_params

    with pytest.raises(ValueError, match="may not be overridden|not a finite number"):
        resolve_params(overrides, 10, 90)


def test_training_params_that_tune_are_accepted_and_argv_is_never_a_shell():
    from dataops.training.params import resolve_params
    from dataops_airflow.operators.training import train_command

    params = resolve_params({"num_leaves": 15, "learning_rate": 0.1, "boosting": "dart", "metric": ["auc"]}, 10, 90)
    assert (params["num_leaves"], params["boosting"]) == (15, "dart")
    argv = train_command("transactions", {"cutoff": "2026-03-01; rm -rf /", "train_days": 28, "valid_days": 7,
                                          "holdout_days": 7, "excluded": [], "lgbm_params": {"x": SQL}},
                         run_key="innovation/run 1")
    assert argv[argv.index("--cutoff") + 1] == "2026-03-01; rm -rf /"  # one argv item, no shell involved
    from dataops.training.plan import plan_training_run

    with pytest.raises(ValueError, match="Invalid isoformat"):
        plan_training_run("duckdb:///unused.duckdb", "transactions", cutoff="2026-03-01; rm -rf /")


@pytest.mark.parametrize(("dag_file", "conf"), [
    ("quality_labels.py", {"dataset": "../../etc/passwd", "batch_date": "2026-03-14", "comment": "why"}),
    ("quality_labels.py", {"dataset": "transactions", "batch_date": SQL, "comment": "why"}),
    ("quality_labels.py", {"dataset": "transactions", "batch_date": "2026-03-14", "verdict": SQL, "comment": "why"}),
    ("model_rollback.py", {"model": "transactions/../models", "reason": "a reason"}),
    ("model_rollback.py", {"model": SQL, "reason": "a reason"}),
    ("innovation_pipeline.py", {"cutoff": "../../etc/passwd"}),
    ("innovation_pipeline.py", {"train_days": SQL}),
    ("innovation_pipeline.py", {"lgbm_params": SQL}),
])
def test_the_forms_refuse_what_their_schema_does_not_allow(airflow_db, dag_file, conf):
    """The params of the labels, rollback and Innovation Pipeline forms, as Airflow validates a trigger."""
    import copy
    from pathlib import Path

    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.exceptions import ParamValidationError

    bag = DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags" / dag_file))
    dag = next(iter(bag.dags.values()))
    params = copy.deepcopy(dag.params)
    with pytest.raises(ParamValidationError, match="Invalid input for param"):
        params.update(conf)  # a trigger's conf is validated against the schema as it is merged
        params.validate()

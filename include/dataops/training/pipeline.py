"""Warehouse -> training set -> LightGBM -> artifacts -> registry, in one call."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from dataops.metrics.serialize import dumps
from dataops.metrics.summary import EvaluationConfig, overall_metrics
from dataops.monitoring.reference import FILE as REFERENCE_FILE
from dataops.monitoring.reference import build_reference
from dataops.registry import ModelRegistry
from dataops.registry.provenance import environment_record
from dataops.training.dataset import TrainingSet, build_training_set
from dataops.training.trainer import TrainedModel, train_model


def summarize(version: str, files: Mapping[str, bytes]) -> dict:
    """A version's small JSON summary, from its ``metrics.json`` and ``training.json``."""
    metrics = json.loads(files["metrics.json"])
    training = json.loads(files["training.json"])
    fingerprint = training["fingerprint"]
    return {"version": version, "best_iteration": metrics["best_iteration"],
            "rows": {k: v["rows"] for k, v in fingerprint.items()},
            "positives": {k: v["positives"] for k, v in fingerprint.items()},
            "validation": metrics["validation"],
            "holdout": {k: metrics["holdout"].get(k) for k in ("roc_auc", "average_precision", "brier")},
            "dropped_rows": training["dropped_rows"]}


def training_result(registry: ModelRegistry, run_key: str) -> dict | None:
    """The summary of the version the run ``run_key`` registered (None if it has not registered one).

    This is how a pipeline learns what its training step produced, whichever way it ran (in-process or in a
    container): the registry is the record.
    """
    version = registry.version_for_run(run_key)
    if version is None:
        return None
    return summarize(version, {n: registry.read_artifact(version, n) for n in ("metrics.json", "training.json")})


@dataclass
class TrainingRun:
    """A registered training run.

    :param version: the registry version.
    :param training_set: the splits and their fingerprint (None when a retry reused its earlier version).
    :param trained: the fitted model (None when reused).
    :param files: the artifacts as registered (file name -> bytes; only the summary's files when reused).
    """

    version: str
    training_set: TrainingSet | None
    trained: TrainedModel | None
    files: dict[str, bytes]

    @property
    def reused(self) -> bool:
        """True when this run's version was registered by an earlier attempt of the same run."""
        return self.trained is None

    def summary(self) -> dict:
        """What the CLI prints / a DAG pushes to XCom."""
        return summarize(self.version, self.files)


def build_artifacts(trained: TrainedModel, ts: TrainingSet, eval_config: EvaluationConfig | None = None
                    ) -> dict[str, bytes]:
    """The version's files: ``model.txt`` (native LightGBM text), ``features.json``, ``training.json``,
    ``params.json``, ``metrics.json`` (validation, the challenger's own holdout metrics, feature importance),
    ``environment.json`` (library versions, code revision) and ``reference.json`` (:func:`training_reference`)."""
    eval_config = eval_config or EvaluationConfig()
    holdout_metrics: dict[str, Any] = {}
    if len(ts.holdout):
        y = ts.holdout[eval_config.label_column].to_numpy(dtype="float64")
        days = ts.holdout[eval_config.day_column].astype("string").to_numpy()
        holdout_metrics = overall_metrics(y, trained.predict_proba(ts.holdout), days, eval_config)
    metrics = {
        "best_iteration": trained.best_iteration,
        "validation": trained.validation_metrics,
        "holdout": holdout_metrics,
        "feature_importance": trained.feature_importance,
        "rows": trained.rows,
    }
    params = {"lightgbm": trained.params, "training": trained.training_options,
              "best_iteration": trained.best_iteration}
    return {
        "model.txt": trained.model_text.encode(),
        "features.json": dumps(trained.encoder.to_dict()).encode(),
        "training.json": dumps(ts.describe()).encode(),
        "params.json": dumps(params).encode(),
        "metrics.json": dumps(metrics).encode(),
        "environment.json": dumps(environment_record()).encode(),
        REFERENCE_FILE: dumps(training_reference(trained, ts)).encode(),
    }


def training_reference(trained: TrainedModel, ts: TrainingSet) -> dict:
    """``reference.json``: the training split's distribution of every model input, and the training cutoff
    (what production batches are compared with: :mod:`dataops.monitoring`)."""
    encoder = trained.encoder
    numeric = [n for n in encoder.names if n not in encoder.categorical_names]
    return build_reference(ts.train, numeric, encoder.categorical_names, training_cutoff=ts.cutoff.isoformat())


def train_and_register(warehouse: Any, registry: ModelRegistry, cfg: Any, *, cutoff: date, train_days: int,
                       valid_days: int, holdout_days: int, excluded_batch_dates: Iterable[date | str] = (),
                       drop_excluded: bool = True, params: Mapping[str, Any] | None = None,
                       training_options: Mapping[str, Any] | None = None, created_by: str = "pipeline",
                       eval_config: EvaluationConfig | None = None, run_key: str | None = None) -> TrainingRun:
    """Build the training set, train, write the artifacts and register a new version.

    With ``run_key`` (the pipeline run, ``dag_id/run_id``) the call is idempotent: a retry of a run that
    already registered its version gets that version back without training again.

    :param warehouse: duckdb connection or SQLAlchemy engine/connection of the warehouse.
    :param registry: where the version is registered.
    :param cfg: dataset config.
    :param cutoff: knowledge date (see :mod:`dataops.training.dataset`).
    :param train_days: training window length.
    :param valid_days: validation window length.
    :param holdout_days: holdout window length.
    :param excluded_batch_dates: the quality gate's out-of-control / known-bad batch dates.
    :param drop_excluded: drop them (default) or keep them.
    :param params: LightGBM parameter overrides.
    :param training_options: ``num_boost_round`` / ``early_stopping_rounds`` overrides.
    :param created_by: actor recorded on the version.
    :param eval_config: settings of the holdout metrics stored in ``metrics.json``.
    :param run_key: the run registering the version (recorded on it).
    """
    earlier = registry.version_for_run(run_key) if run_key is not None else None
    if earlier is not None:
        files = {n: registry.read_artifact(earlier, n) for n in ("metrics.json", "training.json")}
        return TrainingRun(version=earlier, training_set=None, trained=None, files=files)
    ts = build_training_set(warehouse, cutoff, train_days, valid_days, holdout_days, cfg,
                            excluded_batch_dates=excluded_batch_dates, drop_excluded=drop_excluded)
    trained = train_model(ts.train, ts.valid, cfg, params, training_options, model_name=registry.model_name)
    files = build_artifacts(trained, ts, eval_config)
    version = registry.register(files, created_by=created_by, run_key=run_key)
    trained.model.version = version
    return TrainingRun(version=version, training_set=ts, trained=trained, files=files)

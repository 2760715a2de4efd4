"""Train the LightGBM fraud classifier (``lgb.train`` with early stopping on the validation split)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from dataops.registry.features import FeatureEncoder
from dataops.registry.loaded_model import LoadedModel
from dataops.training.params import resolve_params, resolve_training


@dataclass
class TrainedModel:
    """The outcome of :func:`train_model`.

    :param model: the booster (reloaded from its saved text, truncated at the best iteration) + encoder.
    :param model_text: the native LightGBM text format stored as ``model.txt``.
    :param params: the LightGBM parameters actually used (class weight resolved).
    :param training_options: rounds and early stopping.
    :param best_iteration: the iteration kept.
    :param validation_metrics: the booster's metrics on the validation split at the best iteration.
    :param feature_importance: feature -> {"gain": ..., "split": ...} at the best iteration.
    """

    model: LoadedModel
    model_text: str
    params: dict[str, Any]
    training_options: dict[str, Any]
    best_iteration: int
    validation_metrics: dict[str, float]
    feature_importance: dict[str, dict[str, float]]
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def encoder(self) -> FeatureEncoder:
        return self.model.encoder

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Fraud probability per row (exactly what the registered model will return)."""
        return self.model.predict_proba(frame)


def _features(cfg: Any) -> tuple[list[str], list[str], list[str]]:
    return list(cfg.numeric_features), list(cfg.categorical_features), list(cfg.feature_names)


def train_model(train: pd.DataFrame, valid: pd.DataFrame, cfg: Any, params: Mapping[str, Any] | None = None,
                training_options: Mapping[str, Any] | None = None, *, label_column: str = "label",
                model_name: str | None = None) -> TrainedModel:
    """Fit a binary LightGBM model, early-stopped on ``valid``.

    Categorical levels are learnt on ``train`` only and fixed in the encoder (unseen -> missing).

    :param train: training rows with the features and ``label``.
    :param valid: validation rows (early stopping).
    :param cfg: dataset config giving numeric/categorical feature names and their order.
    :param params: LightGBM parameter overrides (see :data:`dataops.training.params.DEFAULT_PARAMS`).
    :param training_options: ``num_boost_round`` / ``early_stopping_rounds`` overrides.
    :param label_column: 0/1 label column.
    :param model_name: name carried by the returned model (default: the dataset name).
    """
    numeric, categorical, order = _features(cfg)
    encoder = FeatureEncoder.fit(train, numeric, categorical, order)
    y_train = train[label_column].to_numpy(dtype=np.float64)
    y_valid = valid[label_column].to_numpy(dtype=np.float64)
    n_pos = int(y_train.sum())
    resolved = resolve_params(params, n_pos, len(y_train) - n_pos)
    options = resolve_training(training_options)
    dtrain = lgb.Dataset(encoder.transform(train), label=y_train, feature_name=encoder.names,
                         categorical_feature=encoder.categorical_names, free_raw_data=True)
    dvalid = lgb.Dataset(encoder.transform(valid), label=y_valid, reference=dtrain)
    evals: dict[str, Any] = {}
    booster = lgb.train(
        resolved, dtrain, num_boost_round=int(options["num_boost_round"]), valid_sets=[dvalid],
        valid_names=["valid"],
        callbacks=[lgb.early_stopping(int(options["early_stopping_rounds"]), first_metric_only=True, verbose=False),
                   lgb.record_evaluation(evals)],
    )
    best = int(booster.best_iteration or booster.current_iteration())
    model_text = booster.model_to_string(num_iteration=best)
    loaded = LoadedModel.from_text(model_name or cfg.name, "unregistered", model_text, encoder)
    gain = loaded.booster.feature_importance("gain")
    split = loaded.booster.feature_importance("split")
    importance = {n: {"gain": float(g), "split": float(s)} for n, g, s in zip(encoder.names, gain, split, strict=True)}
    valid_metrics = {name: float(values[best - 1]) for name, values in evals.get("valid", {}).items()}
    return TrainedModel(
        model=loaded, model_text=model_text, params=resolved, training_options=options, best_iteration=best,
        validation_metrics=valid_metrics, feature_importance=importance,
        rows={"train": len(train), "valid": len(valid), "train_positives": n_pos},
    )

"""Default LightGBM parameters and how overrides are applied.

Every run is deterministic: fixed ``seed``, ``deterministic=True``, ``force_row_wise=True`` and a fixed
``num_threads``. Class imbalance is handled with ``scale_pos_weight`` (``"auto"`` = negatives/positives of
the training split) unless ``is_unbalance`` is set instead.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dataops.textsafe import printable

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    # The first metric drives early stopping (first_metric_only=True).
    "metric": ["average_precision", "auc", "binary_logloss"],
    "learning_rate": 0.05,
    "num_leaves": 31,
    "max_depth": -1,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 255,
    "max_cat_to_onehot": 4,
    "cat_smooth": 10.0,
    "min_data_per_group": 50,
    "scale_pos_weight": "auto",
    "seed": 42,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "verbosity": -1,
}

DEFAULT_TRAINING: dict[str, Any] = {
    "num_boost_round": 1000,
    "early_stopping_rounds": 50,
}


#: LightGBM parameters a run may override (the Innovation Pipeline's ``lgbm_params`` form, the CLI's
#: ``--params``): tuning only. Parameters that name files (``forcedsplits_filename``, ``output_model`` ...), open
#: network connections (``machines``) or change the task are refused.
TUNABLE = frozenset({
    *DEFAULT_PARAMS, "boosting", "boosting_type", "num_iterations", "min_sum_hessian_in_leaf", "lambda_l1",
    "min_gain_to_split", "max_delta_step", "extra_trees", "path_smooth", "is_unbalance", "pos_bagging_fraction",
    "neg_bagging_fraction", "feature_fraction_bynode", "cat_l2", "max_cat_threshold", "min_data_in_bin",
    "top_rate", "other_rate", "drop_rate", "max_drop", "skip_drop", "early_stopping_round", "first_metric_only",
})
_TEXT_VALUE = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")


def _checked_value(name: str, value: Any) -> Any:
    if isinstance(value, bool | int | float) and value == value and abs(value) != float("inf"):
        return value
    if isinstance(value, str) and _TEXT_VALUE.fullmatch(value):
        return value
    if isinstance(value, list) and name == "metric" and all(isinstance(v, str) and _TEXT_VALUE.fullmatch(v) for v in value):
        return value
    raise ValueError(f"LightGBM parameter {name!r}: {printable(value, 60)!r} is not a finite number, a boolean or "
                     "a short word")


def checked_overrides(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The overrides, every name one of :data:`TUNABLE` and every value a number, a boolean or a short word.

    :param overrides: LightGBM parameter overrides (from a form, a run conf or a file).
    :raises ValueError: a parameter outside :data:`TUNABLE` (a file, a network connection ...) or an odd value.
    """
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise ValueError(f"LightGBM parameter overrides must be an object, got {type(overrides).__name__}")
    unknown = sorted(printable(k, 60) for k in overrides if k not in TUNABLE)
    if unknown:
        raise ValueError(f"LightGBM parameters {unknown} may not be overridden (tuning parameters only: "
                         f"{', '.join(sorted(TUNABLE))})")
    return {name: _checked_value(name, value) for name, value in overrides.items()}


def load_params_file(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read overrides from YAML: ``{params: {...}, training: {num_boost_round, early_stopping_rounds}}``.

    :returns: (LightGBM parameter overrides, training option overrides).
    """
    doc = yaml.safe_load(Path(path).read_text()) or {}
    unknown = set(doc) - {"params", "training"}
    if unknown:
        raise ValueError(f"{path}: unknown top-level keys {sorted(unknown)} (expected params, training)")
    training = dict(doc.get("training") or {})
    bad = set(training) - set(DEFAULT_TRAINING)
    if bad:
        raise ValueError(f"{path}: unknown training options {sorted(bad)}")
    return dict(doc.get("params") or {}), training


def resolve_params(overrides: Mapping[str, Any] | None, n_positive: int, n_negative: int) -> dict[str, Any]:
    """Defaults + overrides, with the class weight made concrete.

    :param overrides: parameters replacing the defaults (:func:`checked_overrides`).
    :param n_positive: positives in the training split.
    :param n_negative: negatives in the training split.
    """
    params = copy.deepcopy(DEFAULT_PARAMS)
    params.update(checked_overrides(overrides))
    if params.get("is_unbalance"):
        params.pop("scale_pos_weight", None)
    elif params.get("scale_pos_weight") == "auto":
        params["scale_pos_weight"] = float(n_negative) / float(max(n_positive, 1))
    params["deterministic"] = bool(params.get("deterministic", True))
    return params


def resolve_training(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Training options (rounds, early stopping) with overrides applied."""
    options = dict(DEFAULT_TRAINING)
    unknown = set(overrides or {}) - set(DEFAULT_TRAINING)
    if unknown:
        raise ValueError(f"unknown training options {sorted(unknown)}")
    options.update(overrides or {})
    return options

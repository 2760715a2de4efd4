"""LightGBM training: determinism, class weight, stable categorical codes, early stopping, importance."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pytest

from dataops.metrics.binary import roc_auc
from dataops.training import build_training_set, load_params_file, resolve_params, train_model


@pytest.fixture(scope="module")
def ts(warehouse, cfg):
    con = duckdb.connect(str(warehouse), read_only=True)
    out = build_training_set(con, date(2026, 3, 31), 25, 10, 10, cfg)
    con.close()
    return out


@pytest.fixture(scope="module")
def trained(ts, cfg, fast):
    return train_model(ts.train, ts.valid, cfg, *fast)


def test_training_is_deterministic_and_seeded(ts, cfg, trained, fast):
    params, options = fast
    again = train_model(ts.train, ts.valid, cfg, params, options)
    assert again.model_text == trained.model_text
    other_seed = train_model(ts.train, ts.valid, cfg, {**params, "seed": 7}, options)
    assert other_seed.model_text != trained.model_text
    assert trained.params["deterministic"] is True and trained.params["force_row_wise"] is True
    assert trained.params["num_threads"] == 2 and trained.params["seed"] == 42


def test_class_imbalance_weight_is_resolved_from_the_training_split(ts, trained):
    pos = int(ts.train["label"].sum())
    neg = len(ts.train) - pos
    assert trained.params["scale_pos_weight"] == pytest.approx(neg / pos)
    alt = resolve_params({"is_unbalance": True}, pos, neg)
    assert alt["is_unbalance"] is True and "scale_pos_weight" not in alt
    assert resolve_params({"scale_pos_weight": 3.0}, pos, neg)["scale_pos_weight"] == 3.0


def test_categorical_levels_come_from_training_and_are_stable(ts, cfg, trained):
    enc = trained.encoder
    assert enc.names == cfg.feature_names
    assert enc.categorical_names == ["channel", "mcc", "country"]
    country = enc.features[enc.names.index("country")]
    assert list(country.levels) == sorted(ts.train["country"].unique())
    # codes are positions in the stored levels, whatever the row order of the frame
    X = enc.transform(ts.holdout)
    col = enc.names.index("country")
    expected = [list(country.levels).index(v) for v in ts.holdout["country"]]
    np.testing.assert_array_equal(X[:, col], expected)
    reversed_rows = ts.holdout.iloc[::-1]
    np.testing.assert_array_equal(enc.transform(reversed_rows)[::-1], X)


def test_early_stopping_keeps_the_best_iteration_only(ts, cfg, fast):
    model = train_model(ts.train, ts.valid, cfg, {**fast[0], "learning_rate": 0.5},
                        {"num_boost_round": 300, "early_stopping_rounds": 5})
    assert model.best_iteration < 300
    assert model.model_text.count("\nTree=") == model.best_iteration
    assert set(model.validation_metrics) == {"average_precision", "auc", "binary_logloss"}


def test_model_learns_and_importance_is_recorded(ts, trained, cfg):
    auc = roc_auc(ts.holdout["label"], trained.predict_proba(ts.holdout))
    assert auc > 0.7
    imp = trained.feature_importance
    assert set(imp) == set(cfg.feature_names)
    assert sum(v["gain"] for v in imp.values()) > 0
    # term_risk_30d drives fraud in the synthetic data; secs_since_last_cust_tx is pure noise.
    assert imp["term_risk_30d"]["gain"] > imp["secs_since_last_cust_tx"]["gain"]


def test_params_file_overrides(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("params:\n  num_leaves: 15\n  learning_rate: 0.1\ntraining:\n  num_boost_round: 10\n")
    params, options = load_params_file(path)
    assert params == {"num_leaves": 15, "learning_rate": 0.1} and options == {"num_boost_round": 10}
    path.write_text("training:\n  rounds: 3\n")
    with pytest.raises(ValueError, match="rounds"):
        load_params_file(path)

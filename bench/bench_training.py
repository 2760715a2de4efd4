"""Benchmark: ``dataops.training.train_model`` vs a bare ``lightgbm.train`` on the same 1M labelled rows.

Both runs use the same parameters (defaults + class weight resolved the same way), the same rounds and
early stopping, and the same matrix: the bare run gets the matrix our encoder produces, so the difference
is the wrapper's own overhead (categorical encoding, Dataset construction, reloading the model text,
feature importance). Run from the repository root::

    PYTHONPATH=include python bench/bench_training.py [--rows 1000000] [--rounds 100] [--repeats 2]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import lightgbm as lgb
import numpy as np

from dataops.datasets import load_dataset
from dataops.registry.features import FeatureEncoder
from dataops.training.params import resolve_params, resolve_training
from dataops.training.synthetic import make_feature_rows
from dataops.training.trainer import train_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--valid-days", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--early-stopping", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each, interleaved; best time kept")
    args = parser.parse_args()

    cfg = load_dataset("transactions")
    t0 = time.perf_counter()
    frame, fraud = make_feature_rows(args.rows, date(2026, 1, 1), args.days, seed=1)
    frame["label"] = fraud
    split = np.datetime64(date(2026, 1, 1)) + np.timedelta64(args.days - args.valid_days, "D")
    is_train = frame["tx_ts"].to_numpy() < split
    train, valid = frame.loc[is_train].reset_index(drop=True), frame.loc[~is_train].reset_index(drop=True)
    print(f"generated {len(frame):,} rows ({int(fraud.sum()):,} positives) in {time.perf_counter() - t0:.1f}s: "
          f"train {len(train):,}, valid {len(valid):,}")

    overrides = {"num_threads": args.threads}
    options = {"num_boost_round": args.rounds, "early_stopping_rounds": args.early_stopping}

    # Bare LightGBM gets the very matrix our encoder produces (encoding done once, outside its timer).
    encoder = FeatureEncoder.fit(train, cfg.numeric_features, cfg.categorical_features, cfg.feature_names)
    x_train, x_valid = encoder.transform(train), encoder.transform(valid)
    y_train, y_valid = train["label"].to_numpy(np.float64), valid["label"].to_numpy(np.float64)
    pos = int(y_train.sum())
    params = resolve_params(overrides, pos, len(y_train) - pos)
    opts = resolve_training(options)

    def run_ours() -> tuple[float, str, int]:
        t0 = time.perf_counter()
        model = train_model(train, valid, cfg, overrides, options)  # frame in, registry-ready model out
        return time.perf_counter() - t0, model.model_text, model.best_iteration

    def run_bare() -> tuple[float, str, int]:
        t0 = time.perf_counter()
        dtrain = lgb.Dataset(x_train, label=y_train, feature_name=encoder.names,
                             categorical_feature=encoder.categorical_names)
        dvalid = lgb.Dataset(x_valid, label=y_valid, reference=dtrain)
        booster = lgb.train(params, dtrain, num_boost_round=opts["num_boost_round"], valid_sets=[dvalid],
                            callbacks=[lgb.early_stopping(opts["early_stopping_rounds"], first_metric_only=True,
                                                          verbose=False)])
        elapsed = time.perf_counter() - t0
        return elapsed, booster.model_to_string(num_iteration=booster.best_iteration), booster.best_iteration

    # Interleave (ours, bare, bare, ours, ...) so drifting machine load hits both sides alike.
    times: dict[str, list[float]] = {"ours": [], "bare": []}
    texts: dict[str, str] = {}
    iters: dict[str, int] = {}
    for i in range(args.repeats):
        order = (("ours", run_ours), ("bare", run_bare)) if i % 2 == 0 else (("bare", run_bare), ("ours", run_ours))
        for name, fn in order:
            elapsed, text, best = fn()
            times[name].append(elapsed)
            texts[name], iters[name] = text, best
            print(f"  run {i + 1} {name:4s}: {elapsed:8.2f}s")
    t_ours, t_bare = min(times["ours"]), min(times["bare"])
    print(f"dataops train_model : {t_ours:8.2f}s  (best of {args.repeats}; best iteration {iters['ours']})")
    print(f"bare lightgbm.train : {t_bare:8.2f}s  (best of {args.repeats}; best iteration {iters['bare']})")
    print(f"ratio ours / bare   : {t_ours / t_bare:8.3f}")
    print(f"identical models    : {texts['ours'] == texts['bare']}")


if __name__ == "__main__":
    main()

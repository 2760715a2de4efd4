"""Training/serving skew: what the champion received for a sample of the batch, rebuilt through the training
set's loader and compared feature by feature (both engines)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dataops.datasets import load_dataset
from dataops.monitoring.skew import SampleKeeper, compare_sample
from dataops.scoring import score_batch
from tests.unit.monitoring.features import dataset_frame, write_dataset_batch

DAY = "2026-03-14"


class FeatureModel:
    """Scores every row 0.1; reads every feature of the dataset, as the champion does."""

    version = "v1"

    def __init__(self) -> None:
        self.features = load_dataset("transactions").feature_names

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return np.full(len(frame), 0.1)


def test_the_sample_does_not_depend_on_how_the_batch_was_chunked():
    frame = pd.DataFrame({"tx_id": [f"id-{i}" for i in range(1000)], "amount": np.arange(1000.0)})
    whole, chunked = SampleKeeper("tx_id", ["amount"], size=50), SampleKeeper("tx_id", ["amount"], size=50)
    whole.add(frame)
    for start in range(0, 1000, 64):
        chunked.add(frame.iloc[start:start + 64])
    assert whole.rows() == chunked.rows() and len(whole.rows()) == 50


def test_the_scored_sample_matches_the_training_path_until_one_window_changes(warehouse, tmp_path):
    from dataops.quality.gate import run_gate

    write_dataset_batch(warehouse, DAY, dataset_frame(300, seed=3))
    score_batch(warehouse, load_dataset("transactions"), DAY, FeatureModel(), chunk_size=70)
    clean = compare_sample(warehouse, load_dataset("transactions"), DAY)
    assert clean is not None and clean.rows == 200 and clean.total == 0, clean.describe()

    # the training path's 7-day window now counts one more transaction than the one the model was served
    warehouse.execute("UPDATE marts.fct_transaction_features SET cust_tx_count_7d = cust_tx_count_7d + 1")
    skew = compare_sample(warehouse, load_dataset("transactions"), DAY)
    assert skew.differing == {"cust_tx_count_7d": 200}
    ident, scored, rebuilt = skew.examples["cust_tx_count_7d"]
    assert rebuilt == scored + 1
    result = run_gate(warehouse.location, "transactions", DAY, stage="post_score", docs_dir=tmp_path)
    [finding] = [f for f in result.findings if f["metric"] == "training_serving_skew"]
    assert finding["severity"] == "critical" and result.blocking
    assert "200 feature value(s) of 200 sampled rows differ" in finding["description"]
    assert f"cust_tx_count_7d: 200 of 200 rows (e.g. {ident}: scored {scored!r}" in finding["description"]


def test_a_shadow_model_records_no_sample(warehouse):
    write_dataset_batch(warehouse, DAY, dataset_frame(50, seed=4))
    score_batch(warehouse, load_dataset("transactions"), DAY, FeatureModel(), role="shadow")
    assert compare_sample(warehouse, load_dataset("transactions"), DAY) is None

"""decide(): real models from the registry, the same holdout, the rule, the S3 report, the decisions table."""

from __future__ import annotations

import json
import uuid
from datetime import date

import numpy as np
import pytest
import sqlalchemy as sa

from dataops.evaluation import PromotionRule, apply_decision, decide
from dataops.registry import ConcurrentAliasUpdate, ModelRegistry
from dataops.training import build_artifacts, build_training_set, train_model

RULE = PromotionRule(n_boot=300)
PARAMS = {"learning_rate": 0.1, "num_leaves": 15, "min_data_in_leaf": 30}
OPTIONS = {"num_boost_round": 200, "early_stopping_rounds": 20}


@pytest.fixture(scope="module")
def engine(warehouse):
    eng = sa.create_engine(f"duckdb:///{warehouse}", poolclass=sa.pool.NullPool)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def ts(engine, cfg):
    return build_training_set(engine, date(2026, 3, 31), 25, 10, 10, cfg)


@pytest.fixture
def registry(engine, s3, bucket):
    """A registry inside the warehouse DuckDB file, in a schema of its own for this test."""
    return ModelRegistry(engine, s3, bucket=bucket, schema=f"reg_{uuid.uuid4().hex[:8]}")


def _register(registry, ts, cfg, params=None, options=None, train=None):
    trained = train_model(train if train is not None else ts.train, ts.valid, cfg, {**PARAMS, **(params or {})},
                          {**OPTIONS, **(options or {})})
    return registry.register(build_artifacts(trained, ts))


def _object(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_first_model_is_promoted_and_the_report_lands_next_to_it(registry, ts, cfg, engine, s3, bucket):
    v1 = _register(registry, ts, cfg)
    decision = decide(registry, v1, warehouse=engine, rule=RULE, actor="dag-run-1")
    assert decision.promote, decision.reasons
    assert decision.champion_version is None
    assert decision.report_uri == f"s3://{bucket}/models/transactions/{v1}/report/{decision.decision_id}/report.html"

    base = f"models/transactions/{v1}/report/{decision.decision_id}/"
    for png in ("pr_curve.png", "calibration.png"):
        assert _object(s3, bucket, base + png).startswith(b"\x89PNG\r\n\x1a\n")
    html = _object(s3, bucket, base + "report.html").decode()
    assert "Decision: PROMOTE" in html and "no champion yet" in html and "data:image/png;base64," in html
    assert "| channel=ecom |" in _object(s3, bucket, base + "report.md").decode()
    doc = json.loads(_object(s3, bucket, base + "report.json"))
    assert doc["decision"]["promote"] is True and doc["rule"]["n_boot"] == 300
    assert doc["evaluation"]["holdout"]["fingerprint_matches"] is True  # rebuilt holdout = training holdout
    assert doc["evaluation"]["holdout"]["rows"] == len(ts.holdout)
    assert set(doc["evaluation"]["slices"]["challenger"]) == {"channel", "country"}

    (row,) = registry.decisions()
    assert row["promote"] is True and row["challenger_version"] == v1 and row["champion_version"] is None
    assert row["reasons"] == decision.reasons and row["report_uri"] == decision.report_uri
    assert row["actor"] == "dag-run-1" and row["decision_id"] == decision.decision_id

    move = apply_decision(registry, decision, actor="dag-run-1")
    assert move.to_version == v1 and registry.get_alias_version("champion") == v1
    assert decision.decision_id in registry.history("champion")[0]["reason"]


def test_same_data_challengers_and_a_shuffled_label_model_are_rejected(registry, ts, cfg, engine):
    champion = _register(registry, ts, cfg)
    registry.promote(champion, actor="setup", reason="baseline")

    reseeded = _register(registry, ts, cfg, {"seed": 7, "feature_fraction": 0.7})
    d = decide(registry, reseeded, warehouse=engine, rule=RULE)
    assert not d.promote
    # Same data, same model family: the improvement interval straddles zero, so the CI rule rejects it
    # (small slices may also fail the tolerance by chance; the CI failure is what this asserts).
    assert "bootstrap CI" in {c.name for c in d.checks if c.blocking and not c.passed}, d.reasons
    assert d.ci_low <= 0 <= d.ci_high

    identical = _register(registry, ts, cfg)
    d = decide(registry, identical, holdout=ts.holdout, rule=RULE)
    assert not d.promote and d.delta == 0.0 and (d.ci_low, d.ci_high) == (0.0, 0.0)

    shuffled = ts.train.copy()
    shuffled["label"] = np.random.default_rng(0).permutation(shuffled["label"].to_numpy())
    worse = _register(registry, ts, cfg, train=shuffled)
    d = decide(registry, worse, holdout=ts.holdout, rule=RULE)
    assert not d.promote
    failed = {c.name for c in d.checks if c.blocking and not c.passed}
    assert {"floor roc_auc", "bootstrap CI"} <= failed, d.reasons
    assert d.ci_high < 0
    assert any(r.startswith("FAIL: challenger roc_auc") for r in d.reasons)

    assert registry.get_alias_version("champion") == champion  # nothing moved
    decisions = registry.decisions()
    assert [x["promote"] for x in decisions] == [False, False, False]
    assert all(x["reasons"][0].startswith("reject") for x in decisions)

    d = decide(registry, champion, holdout=ts.holdout, rule=RULE, report=False)
    assert not d.promote and any("already the champion" in r for r in d.reasons)


def test_a_better_challenger_is_promoted_unless_the_champion_moved_meanwhile(registry, ts, cfg):
    weak = _register(registry, ts, cfg, {"num_leaves": 2, "feature_fraction": 0.3, "seed": 3},
                     {"num_boost_round": 2, "early_stopping_rounds": 1})
    registry.promote(weak, actor="setup", reason="weak baseline")
    strong = _register(registry, ts, cfg)
    d = decide(registry, strong, holdout=ts.holdout, rule=RULE, report=False)
    assert d.promote, d.reasons
    assert d.champion_version == weak and d.ci_low > 0

    other = _register(registry, ts, cfg, {"seed": 11})
    registry.promote(other, actor="someone-else", reason="manual hotfix")
    with pytest.raises(ConcurrentAliasUpdate):
        apply_decision(registry, d, actor="dag")
    assert registry.get_alias_version("champion") == other


def test_a_retry_with_the_same_run_key_records_one_decision(registry, ts, cfg, engine):
    v1 = _register(registry, ts, cfg)
    key = "innovation_pipeline/scheduled__2026-03-30T04:00:00+00:00"
    first = decide(registry, v1, warehouse=engine, rule=RULE, actor="dag", run_key=key)
    retry = decide(registry, v1, warehouse=engine, rule=RULE, actor="dag", run_key=key)
    assert retry.decision_id == first.decision_id and retry.report_uri == first.report_uri
    assert (retry.promote, retry.reasons, retry.champion_version) == (first.promote, first.reasons, None)
    assert [c.line() for c in retry.checks] == [c.line() for c in first.checks]
    (row,) = registry.decisions()
    assert row["run_key"] == key and row["decision_id"] == first.decision_id


def test_every_decision_keeps_its_own_report(registry, ts, cfg, engine, s3, bucket):
    v1 = _register(registry, ts, cfg)
    first = decide(registry, v1, warehouse=engine, rule=RULE, actor="run-1", run_key="dag/run-1")
    key = first.report_uri.split(f"s3://{bucket}/", 1)[1]
    before = _object(s3, bucket, key)
    registry.promote(v1, actor="ci", reason="judge it again as the champion")
    second = decide(registry, v1, warehouse=engine, rule=RULE, actor="run-2", run_key="dag/run-2")
    assert second.report_uri != first.report_uri and not second.promote
    assert _object(s3, bucket, key) == before  # the first decision's report is untouched
    assert "already the champion" in _object(s3, bucket, second.report_uri.split(f"s3://{bucket}/", 1)[1]).decode()
    assert [d["report_uri"] for d in registry.decisions()] == [first.report_uri, second.report_uri]

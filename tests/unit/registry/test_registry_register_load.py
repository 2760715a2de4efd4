"""Registering a version (artifacts in S3, hashes in SQL) and loading it back, verified."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from dataops.registry import ArtifactIntegrityError, ModelRegistry, VersionNotFound

FILES = {"model.txt", "features.json", "training.json", "params.json", "metrics.json", "environment.json",
         "reference.json"}


def test_register_writes_version_scoped_artifacts_and_records_their_hashes(engine, s3, bucket, trained_bundle):
    _, _, files = trained_bundle
    reg = ModelRegistry(engine, s3, "fraud", bucket=bucket)
    v1 = reg.register(files, created_by="tester")
    v2 = reg.register(files, created_by="tester")
    assert (v1, v2) == ("v1", "v2")

    listed = s3.list_objects_v2(Bucket=bucket, Prefix="models/fraud/v1/")["Contents"]
    assert {o["Key"].rsplit("/", 1)[1] for o in listed} == FILES
    info = reg.get_version(v1)
    assert info["status"] == "ready" and info["created_by"] == "tester"
    assert info["artifact_uri"] == f"s3://{bucket}/models/fraud/v1/"
    for name, art in info["artifacts"].items():
        body = s3.get_object(Bucket=bucket, Key=art["s3_key"])["Body"].read()
        assert art["sha256"] == hashlib.sha256(body).hexdigest()
        assert art["size_bytes"] == len(body)
        assert body == files[name]
    # The model is LightGBM's own text format, not a pickle.
    assert files["model.txt"].startswith(b"tree\n")
    assert info["cutoff"] == json.loads(files["training.json"])["cutoff"]
    assert [v["version"] for v in reg.versions()] == ["v1", "v2"]


def test_load_returns_none_without_champion_then_the_promoted_model(engine, s3, bucket, trained_bundle):
    ts, trained, files = trained_bundle
    reg = ModelRegistry(engine, s3, bucket=bucket)
    version = reg.register(files)
    assert reg.load("champion") is None
    assert reg.get_alias_version("champion") is None
    reg.promote(version, actor="tester", reason="first model")
    model = reg.load("champion")
    assert model.version == version == reg.get_alias_version("champion")
    assert model.features == [f for f in trained.encoder.names]
    np.testing.assert_array_equal(model.predict_proba(ts.holdout), trained.predict_proba(ts.holdout))
    assert model.documents["training.json"]["cutoff"] == ts.cutoff.isoformat()


def test_unseen_category_is_scored_as_missing(engine, s3, bucket, trained_bundle):
    ts, _, files = trained_bundle
    reg = ModelRegistry(engine, s3, bucket=bucket)
    model = reg.load_version(reg.register(files))
    rows = ts.holdout.head(50).copy()
    unseen, missing = rows.copy(), rows.copy()
    unseen["country"] = "ZZ"
    missing["country"] = None
    assert "ZZ" not in model.encoder.features[model.features.index("country")].levels
    np.testing.assert_array_equal(model.predict_proba(unseen), model.predict_proba(missing))
    encoded = model.encoder.transform(unseen)
    assert np.isnan(encoded[:, model.features.index("country")]).all()


@pytest.mark.parametrize("name, corrupt", [
    ("model.txt", lambda b: b.replace(b"tree", b"TREE", 1)),  # tampered
    ("features.json", lambda b: b[: len(b) // 2]),  # truncated
])
def test_tampered_or_truncated_artifact_is_refused(engine, s3, bucket, trained_bundle, name, corrupt):
    _, _, files = trained_bundle
    reg = ModelRegistry(engine, s3, bucket=bucket)
    version = reg.register(files)
    reg.promote(version, actor="tester", reason="ok")
    key = f"models/transactions/{version}/{name}"
    bad = corrupt(files[name])
    s3.put_object(Bucket=bucket, Key=key, Body=bad)
    with pytest.raises(ArtifactIntegrityError) as err:
        reg.load("champion")
    message = str(err.value)
    assert name in message
    assert hashlib.sha256(files[name]).hexdigest() in message  # recorded hash
    assert hashlib.sha256(bad).hexdigest() in message  # hash of what is in S3 now
    with pytest.raises(ArtifactIntegrityError):
        reg.read_artifact(version, name)


def test_missing_artifact_is_refused(engine, s3, bucket, trained_bundle):
    _, _, files = trained_bundle
    reg = ModelRegistry(engine, s3, bucket=bucket)
    version = reg.register(files)
    s3.delete_object(Bucket=bucket, Key=f"models/transactions/{version}/params.json")
    with pytest.raises(ArtifactIntegrityError, match="missing"):
        reg.load_version(version)


def test_register_needs_model_and_features(engine, s3, bucket, trained_bundle):
    _, _, files = trained_bundle
    reg = ModelRegistry(engine, s3, bucket=bucket)
    with pytest.raises(ValueError, match="features.json"):
        reg.register({"model.txt": files["model.txt"]})
    assert reg.versions() == []


class _FailingS3:
    """Delegates to a real client but fails uploading one file (a broken upload mid-registration)."""

    def __init__(self, real, fail_on: str) -> None:
        self.real, self.fail_on = real, fail_on

    def put_object(self, **kw):
        if kw["Key"].endswith(self.fail_on):
            raise ConnectionError("upload interrupted")
        return self.real.put_object(**kw)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_failed_upload_leaves_a_failed_version_that_cannot_be_promoted(engine, s3, bucket, trained_bundle):
    _, _, files = trained_bundle
    reg = ModelRegistry(engine, _FailingS3(s3, "model.txt"), bucket=bucket)
    with pytest.raises(ConnectionError):
        reg.register(files)
    (row,) = reg.versions()
    assert row["status"] == "failed"
    with pytest.raises(VersionNotFound, match="failed"):
        reg.promote(row["version"], actor="tester", reason="should not work")
    with pytest.raises(VersionNotFound):
        reg.load_version(row["version"])
    healthy = ModelRegistry(engine, s3, bucket=bucket)
    assert healthy.register(files) == "v2"  # numbering continues after a failure
    assert [v["status"] for v in healthy.versions()] == ["failed", "ready"]


def test_a_retry_with_the_same_run_key_reuses_its_version_and_its_decision(engine, s3, bucket, trained_bundle):
    _, _, files = trained_bundle
    reg = ModelRegistry(engine, s3, bucket=bucket)
    key = "innovation_pipeline/scheduled__2026-03-30T04:00:00+00:00"
    assert reg.version_for_run(key) is None
    first = reg.register(files, created_by="dag", run_key=key)
    again = reg.register(files, created_by="dag", run_key=key)
    other = reg.register(files, created_by="dag", run_key="innovation_pipeline/manual__x")
    assert (first, again, other) == ("v1", "v1", "v2")
    assert reg.version_for_run(key) == "v1" and reg.get_version("v1")["run_key"] == key
    assert [v["version"] for v in reg.versions()] == ["v1", "v2"]

    kwargs = dict(challenger_version="v1", champion_version=None, promote=True, reasons=["ok"], actor="dag")
    d1 = reg.record_decision(**kwargs, run_key=key)
    d2 = reg.record_decision(**kwargs, run_key=key)
    assert d1 == d2 and reg.decision_for_run(key)["decision_id"] == d1
    assert len(reg.decisions()) == 1 and reg.decisions()[0]["run_key"] == key

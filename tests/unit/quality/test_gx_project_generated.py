"""The committed GX file context is generated: it equals what ``python -m dataops.quality.gx_project`` writes
for the configured datasets (ids, which GX draws at random, aside)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from dataops.datasets import list_datasets
from dataops.quality.config import expectations_dir, load_quality_config
from dataops.quality.gx_project import main, spc_gx_metrics, suites

STORES = ("checkpoints", "expectations", "validation_definitions")


def _without_ids(value):
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in ("id", "data_context_id")}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _snapshot(gx_dir: Path) -> dict:
    out = {"great_expectations.yml": _without_ids(yaml.safe_load((gx_dir / "great_expectations.yml").read_text()))}
    for store in STORES:
        for path in sorted((gx_dir / store).glob("*.json")):
            out[f"{store}/{path.name}"] = _without_ids(json.loads(path.read_text()))
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gx")
    assert main(["--root", str(root)]) == 0
    return root / "gx"


def test_committed_gx_files_equal_the_generated_ones(generated):
    committed = _snapshot(expectations_dir() / "gx")
    fresh = _snapshot(generated)
    assert sorted(committed) == sorted(fresh), "regenerate: python -m dataops.quality.gx_project"
    for name in fresh:
        assert committed[name] == fresh[name], f"{name} differs: python -m dataops.quality.gx_project"


@pytest.mark.parametrize("dataset", list_datasets())
def test_each_metrics_file_names_the_generated_suites_and_checkpoint(dataset, generated):
    cfg = load_quality_config(dataset)
    assert set(cfg.gx_suites) == set(suites(cfg)), cfg.gx_suites
    assert cfg.gx_checkpoint == f"{dataset}_quality"
    checkpoint = json.loads((generated / "checkpoints" / f"{dataset}_quality.json").read_text())
    assert [v["name"] for v in checkpoint["validation_definitions"]] == list(suites(cfg))
    spc = json.loads((generated / "expectations" / f"{dataset}_spc.json").read_text())
    params = [e["kwargs"]["spc"]["$PARAMETER"] for e in spc["expectations"]]
    assert params == [f"{m.replace('.', '_')}_spc" for m in spc_gx_metrics(cfg)]

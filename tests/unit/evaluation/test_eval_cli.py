"""``evaluate`` CLI: rebuild the holdout from the warehouse, decide, record, promote on approval."""

from __future__ import annotations

import argparse
import json
from datetime import date

import sqlalchemy as sa

from dataops.evaluation import cli as evaluation_cli
from dataops.registry import ModelRegistry
from dataops.training import train_and_register


def test_evaluate_cli_promotes_the_first_model(warehouse, cfg, moto_endpoint, bucket, s3, monkeypatch, tmp_path,
                                               capsys):
    for k, v in {"DATAOPS_S3_ENDPOINT_URL": moto_endpoint, "DATAOPS_ARTIFACT_BUCKET": bucket,
                 "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1", "DATAOPS_WAREHOUSE_PATH": str(warehouse)}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("DATAOPS_WAREHOUSE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'reg.sqlite'}"
    reg = ModelRegistry(sa.create_engine(url), s3, bucket=bucket)
    wh = sa.create_engine(f"duckdb:///{warehouse}", poolclass=sa.pool.NullPool)
    run = train_and_register(wh, reg, cfg, cutoff=date(2026, 3, 31), train_days=25, valid_days=10,
                             holdout_days=10, params={"learning_rate": 0.2, "num_leaves": 7},
                             training_options={"num_boost_round": 40, "early_stopping_rounds": 10})
    wh.dispose()
    rule = tmp_path / "rule.yaml"
    rule.write_text("promotion:\n  floors: {roc_auc: 0.6}\n")

    parser = argparse.ArgumentParser()
    evaluation_cli.add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["evaluate", "--version", run.version, "--registry-url", url, "--rule", str(rule),
                              "--n-boot", "50", "--top-k", "10", "--promote", "--actor", "cli"])
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["promote"] is True and out["promoted"]["to_version"] == run.version
    assert out["report_uri"].endswith(f"/models/transactions/{run.version}/report/{out['decision_id']}/report.html")
    assert reg.get_alias_version("champion") == run.version
    # The holdout is rebuilt with the maturity recorded at training (pinned to 45 days by the cfg fixture),
    # not with whatever the dataset YAML says now: same rows as at training time.
    report = json.loads(s3.get_object(Bucket=bucket, Key=out["report_uri"].split(f"{bucket}/", 1)[1]
                                      .replace("report.html", "report.json"))["Body"].read())
    assert report["evaluation"]["holdout"]["fingerprint_matches"] is True
    assert report["evaluation"]["holdout"]["rows"] == len(run.training_set.holdout)
    (decision,) = reg.decisions()
    assert decision["details"]["rule"]["floors"] == {"roc_auc": 0.6} and decision["details"]["rule"]["n_boot"] == 50

    args = parser.parse_args(["evaluate", "--version", "v99", "--registry-url", url])
    assert args.func(args) == 2
    assert "v99" in capsys.readouterr().err

"""``registry`` CLI commands against a real SQLite registry and the moto S3 endpoint."""

from __future__ import annotations

import argparse
import json

import pytest

from dataops.registry import ModelRegistry
from dataops.registry import cli as registry_cli


@pytest.fixture
def run_cli(monkeypatch, moto_endpoint, bucket, capsys):
    monkeypatch.setenv("DATAOPS_S3_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("DATAOPS_ARTIFACT_BUCKET", bucket)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    parser = argparse.ArgumentParser(prog="dataops")
    registry_cli.add_subcommands(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> tuple[int, object, str]:
        args = parser.parse_args(list(argv))
        code = args.func(args)
        out = capsys.readouterr()
        return code, (json.loads(out.out) if out.out.strip() else None), out.err

    return run


def test_registry_cli_promote_list_history_rollback(run_cli, tmp_path, s3, bucket, trained_bundle):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    reg = ModelRegistry(sa.create_engine(url), s3, bucket=bucket)
    _, _, files = trained_bundle
    reg.register(files)
    reg.register(files)
    common = ["--registry-url", url, "--actor", "alice"]

    code, out, _ = run_cli("registry", "promote", "v1", "--reason", "first", *common)
    assert code == 0 and out["to_version"] == "v1" and out["actor"] == "alice"
    code, out, _ = run_cli("registry", "promote", "v2", "--reason", "better", "--expected", "v1", *common)
    assert code == 0 and out["from_version"] == "v1"
    code, out, err = run_cli("registry", "promote", "v1", "--reason", "stale", "--expected", "v1", *common)
    assert code == 2 and "expected 'v1'" in err

    code, out, _ = run_cli("registry", "list", *common)
    assert out["aliases"] == {"champion": "v2"}
    assert [(v["version"], v["aliases"]) for v in out["versions"]] == [("v1", []), ("v2", ["champion"])]

    code, out, _ = run_cli("registry", "rollback", "--reason", "incident 42", *common)
    assert code == 0 and (out["from_version"], out["to_version"]) == ("v2", "v1")
    assert reg.get_alias_version("champion") == "v1"

    code, out, _ = run_cli("registry", "history", "--alias", "champion", *common)
    assert [(h["action"], h["to_version"], h["reason"]) for h in out] == [
        ("promote", "v1", "first"), ("promote", "v2", "better"), ("rollback", "v1", "incident 42")]

    code, out, _ = run_cli("registry", "decisions", *common)
    assert code == 0 and out == []


def test_rollback_requires_a_reason(run_cli):
    with pytest.raises(SystemExit):
        run_cli("registry", "rollback")


def test_registry_cli_release_starts_a_canary_with_the_given_schedule_and_refuses_a_second(
        run_cli, tmp_path, s3, bucket, trained_bundle):
    import sqlalchemy as sa

    from dataops.release.plan import plan_for

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    reg = ModelRegistry(sa.create_engine(url), s3, bucket=bucket)
    _, _, files = trained_bundle
    for _ in range(3):
        reg.register(files)
    reg.promote("v1", actor="alice", reason="first")
    common = ["--registry-url", url, "--actor", "alice"]

    code, out, err = run_cli("registry", "release", "v2", "--strategy", "canary", "--canary", "0.05:1,0.25:1,1:1",
                             "--starts", "2026-03-02", "--reason", "hotfix evaluated offline", *common)
    assert code == 0, err
    assert out["release"]["canary"] == [{"share": 0.05, "days": 1}, {"share": 0.25, "days": 1},
                                        {"share": 1.0, "days": 1}]
    assert reg.aliases() == {"champion": "v1", "canary": "v2"}
    assert [(s.role, s.share) for s in plan_for(reg, "2026-03-03").slots] == [("champion", 0.25), ("canary", 0.25)]
    assert reg.history("canary")[-1]["actor"] == "alice"

    code, _, err = run_cli("registry", "release", "v3", "--strategy", "blue_green", "--reason", "second", *common)
    assert code == 2 and "v2 is canary" in err
    code, _, err = run_cli("registry", "release", "v3", "--strategy", "canary", "--canary", "0.5", "--reason", "x",
                           *common)
    assert code == 2 and "not share:days" in err


def test_registry_cli_release_blue_green_limits_override_the_datasets():
    import argparse

    from dataops.release.cli import release_config_from_args
    from dataops.release.config import ReleaseConfig

    args = argparse.Namespace(strategy="blue_green", canary=None, shadow_days=None, watch_days=3,
                              max_score_psi=None, max_flag_rate_ratio=None, min_agreement=0.9)
    config = release_config_from_args(ReleaseConfig(), args)
    assert (config.strategy, config.watch_days) == ("blue_green", 3)
    assert (config.blue_green.max_score_psi, config.blue_green.min_agreement) == (0.25, 0.9)


def test_registry_cli_release_refuses_a_version_with_an_alias_a_canary_without_champion_and_an_unknown_dataset(
        run_cli, tmp_path, s3, bucket, trained_bundle):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    reg = ModelRegistry(sa.create_engine(url), s3, bucket=bucket)
    _, _, files = trained_bundle
    reg.register(files)
    reg.register(files)
    common = ["--registry-url", url, "--reason", "r", *["--actor", "alice"]]
    code, _, err = run_cli("registry", "release", "v1", "--strategy", "canary", *common)
    assert code == 2 and "there is none: release v1 with strategy direct" in err
    assert run_cli("registry", "release", "v1", "--strategy", "direct", *common)[0] == 0
    code, _, err = run_cli("registry", "release", "v1", "--strategy", "blue_green", *common)
    assert code == 2 and "v1 is already champion" in err
    code, _, err = run_cli("registry", "release", "v2", "--strategy", "canary", "--dataset", "nope", *common)
    assert code == 2 and "no dataset 'nope'" in err
    code, _, err = run_cli("registry", "release", "v2", "--strategy", "canary", "--canary", "0.05:x,1:1", *common)
    assert code == 2 and "'0.05:x' is not share:days" in err
    assert reg.aliases() == {"champion": "v1"}

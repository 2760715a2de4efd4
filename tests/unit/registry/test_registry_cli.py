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

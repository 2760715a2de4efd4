"""The training step: the same CLI command in-process (embedded) or through DockerOperator (production)."""

from __future__ import annotations

from dataops_airflow.operators.training import TrainInProcessOperator, train_command, training_operator

COMMAND = train_command("transactions", cutoff="2026-02-01", train_days="28", valid_days="7", holdout_days="7",
                        excluded='["2026-01-10"]', params_json="{}")


def test_command_is_the_dataops_cli():
    assert COMMAND[:4] == ["python", "-m", "dataops", "train"]
    assert COMMAND[COMMAND.index("--cutoff") + 1] == "2026-02-01"
    assert COMMAND[COMMAND.index("--exclude-json") + 1] == '["2026-01-10"]'


def test_in_process_is_the_default(monkeypatch):
    monkeypatch.delenv("DATAOPS_TRAINING_RUNNER", raising=False)
    op = training_operator("train_challenger", command=COMMAND)
    assert isinstance(op, TrainInProcessOperator)
    assert op.command == COMMAND


def test_docker_runner_runs_the_same_command_in_the_project_image(monkeypatch):
    from airflow.providers.docker.operators.docker import DockerOperator

    monkeypatch.setenv("DATAOPS_TRAINING_RUNNER", "docker")
    monkeypatch.setenv("DATAOPS_DOCKER_IMAGE", "dataops-suite:test")
    monkeypatch.setenv("DATAOPS_DOCKER_NETWORK", "dataops-suite")
    op = training_operator("train_challenger", command=COMMAND)
    assert isinstance(op, DockerOperator)
    assert op.image == "dataops-suite:test"
    assert op.command == COMMAND
    assert op.network_mode == "dataops-suite"
    assert op.mount_tmp_dir is False
    assert [(m["Target"], m["Type"]) for m in op.mounts] == [("/tmp/dataops", "tmpfs")]
    env = op.environment
    for name in ("DATAOPS_WAREHOUSE_URL", "DATAOPS_REGISTRY_URL", "DATAOPS_S3_ENDPOINT_URL",
                 "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DATAOPS_ARTIFACT_BUCKET"):
        assert name in env, name
    # secrets are rendered from Airflow connections at run time, never baked into the DAG
    assert env["AWS_SECRET_ACCESS_KEY"] == "{{ conn.aws_default.password }}"
    assert "conn.warehouse_default.password" in env["DATAOPS_WAREHOUSE_URL"]
    assert "conn.registry_default" in env["DATAOPS_REGISTRY_URL"]
    assert env["CONNECTION_CHECK_MAX_COUNT"] == "0"


"""The training step: the same CLI command in-process (embedded) or through DockerOperator (production)."""

from __future__ import annotations

from dataops_airflow.operators.training import TrainInProcessOperator, train_command, training_operator

REQUEST = {"cutoff": "2026-02-01", "excluded": ["2026-01-10"], "flagged": ["2026-01-10"], "keep_excluded": False,
           "train_days": 28, "valid_days": 7, "holdout_days": 7, "lgbm_params": {"num_leaves": 7}}


def test_command_is_the_dataops_cli_keyed_on_the_run():
    command = train_command("transactions", REQUEST, run_key="innovation_pipeline/manual__1")
    assert command[:4] == ["python", "-m", "dataops", "train"]
    assert command[command.index("--cutoff") + 1] == "2026-02-01"
    assert command[command.index("--exclude-json") + 1] == '["2026-01-10"]'
    assert command[command.index("--params-json") + 1] == '{"num_leaves": 7}'
    assert command[command.index("--run-key") + 1] == "innovation_pipeline/manual__1"


def test_in_process_is_the_default(monkeypatch):
    monkeypatch.delenv("DATAOPS_TRAINING_RUNNER", raising=False)
    op = training_operator("train_challenger", dataset="transactions", request=REQUEST)
    assert isinstance(op, TrainInProcessOperator)
    assert (op.request, op.run_key) == (REQUEST, "{{ dag.dag_id }}/{{ run_id }}")


def test_docker_runner_runs_the_same_command_in_the_project_image(monkeypatch):
    from airflow.providers.docker.operators.docker import DockerOperator

    monkeypatch.setenv("DATAOPS_TRAINING_RUNNER", "docker")
    monkeypatch.setenv("DATAOPS_DOCKER_IMAGE", "dataops-suite:test")
    monkeypatch.setenv("DATAOPS_DOCKER_NETWORK", "dataops-suite")
    op = training_operator("train_challenger", dataset="transactions", request=REQUEST, run_key="dag/run-1")
    assert isinstance(op, DockerOperator)
    assert op.image == "dataops-suite:test"
    assert op.container_command() == train_command("transactions", REQUEST, run_key="dag/run-1")
    assert {"request", "run_key", "command", "environment"} <= set(op.template_fields)
    assert op.network_mode == "dataops-suite"
    assert op.mount_tmp_dir is False
    assert [(m["Target"], m["Type"]) for m in op.mounts] == [("/tmp/dataops", "tmpfs")]
    env = op.environment
    for name in ("DATAOPS_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DATAOPS_ARTIFACT_BUCKET"):
        assert name in env, name
    # secrets are rendered from Airflow connections at run time, never baked into the DAG
    assert env["AWS_SECRET_ACCESS_KEY"] == "{{ conn.aws_default.password }}"
    assert not any("password" in v and "conn." not in v for v in env.values())
    assert env["CONNECTION_CHECK_MAX_COUNT"] == "0"


def test_container_database_urls_come_from_the_connections_escaped(monkeypatch):
    """The container's warehouse and registry URLs are built at run time by the one URL builder."""
    import json

    import sqlalchemy as sa

    from dataops_airflow.operators.training import service_urls

    password = "p@ss:w/rd%# x"
    conn = {"conn_type": "postgres", "host": "db", "port": 5432, "login": "etl", "password": password,
            "schema": "warehouse"}
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_DEFAULT", json.dumps(conn))
    monkeypatch.setenv("AIRFLOW_CONN_REGISTRY_DEFAULT", json.dumps(conn))
    urls = service_urls()
    for name in ("DATAOPS_WAREHOUSE_URL", "DATAOPS_REGISTRY_URL"):
        url = sa.engine.make_url(urls[name])
        assert (url.username, url.password, url.host, url.database) == ("etl", password, "db", "warehouse")



def test_in_process_training_uses_the_airflow_connections_and_is_idempotent_per_run(
        stack_connections, monkeypatch, tmp_path):
    """End to end: the warehouse and the registry come from ``warehouse_default`` and
    ``registry_default`` (the DATAOPS_* environment points nowhere), the version is registered under the run's
    key, and a second try of the task in the same run reuses it."""
    from datetime import date

    import boto3
    import duckdb
    import sqlalchemy as sa

    from dataops.registry import ModelRegistry
    from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse
    from dataops_airflow.operators.training import registered_training

    frame, fraud = make_feature_rows(9_000, date(2026, 1, 1), 90, seed=8)
    with duckdb.connect(str(stack_connections["warehouse"])) as con:
        write_warehouse(con, frame, make_chargebacks(frame, fraud, seed=8))
    monkeypatch.setenv("DATAOPS_WAREHOUSE_PATH", str(tmp_path / "nowhere.duckdb"))
    monkeypatch.setenv("DATAOPS_REGISTRY_URL", f"sqlite:///{tmp_path / 'nowhere.sqlite'}")
    monkeypatch.setenv("DATAOPS_ARTIFACT_BUCKET", "models-operator")
    boto3.client("s3", endpoint_url=stack_connections["s3_endpoint"], region_name="us-east-1",
                 aws_access_key_id="k", aws_secret_access_key="s").create_bucket(Bucket="models-operator")
    request = {"cutoff": "2026-03-31", "excluded": [], "train_days": 25, "valid_days": 10, "holdout_days": 10,
               "lgbm_params": {"num_leaves": 7, "learning_rate": 0.3}}
    key = "innovation_pipeline/scheduled__2026-03-30T04:00:00+00:00"
    train = TrainInProcessOperator(task_id="train_challenger", dataset="transactions", request=request,
                                   run_key=key)
    first = train.execute({})
    registry = ModelRegistry(sa.create_engine(f"sqlite:///{stack_connections['warehouse'].with_name('registry.sqlite')}"),
                             boto3.client("s3", endpoint_url=stack_connections["s3_endpoint"], region_name="us-east-1",
                                          aws_access_key_id="k", aws_secret_access_key="s"),
                             bucket="models-operator")
    assert [(v["version"], v["run_key"], v["status"]) for v in registry.versions()] == [("v1", key, "ready")]
    again = train.execute({})  # the task's retry in the same run
    assert again == first == registered_training(key, "transactions") and again["version"] == "v1"
    assert again["rows"]["holdout"] > 0
    assert len(registry.versions()) == 1

"""The embedded stack's settings and its SMTP sink."""

from __future__ import annotations

import json
import os
import smtplib
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from dataops.devstack import processes
from dataops.devstack.settings import StackSettings, stack_env, write_env_file
from dataops.devstack.smtp_sink import MailSink

REPO = Path(__file__).resolve().parents[2]


def test_stack_env_points_everything_at_loopback_and_the_state_folder(tmp_path):
    settings = StackSettings(state=tmp_path / "state", s3_port=9911, smtp_port=2626, api_port=8181)
    env = stack_env(settings)
    assert env["AIRFLOW_HOME"].startswith(str(tmp_path / "state"))
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite:///" + str(tmp_path / "state"))
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(REPO / "dags")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    aws = json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"])
    assert aws["extra"]["endpoint_url"] == "http://127.0.0.1:9911"
    smtp = json.loads(env["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert (smtp["host"], smtp["port"]) == ("127.0.0.1", 2626)
    warehouse = json.loads(env["AIRFLOW_CONN_WAREHOUSE_DEFAULT"])
    assert warehouse == {"conn_type": "duckdb", "host": str(tmp_path / "state" / "warehouse.duckdb")}
    assert settings.s3_dir == tmp_path / "state" / "s3"


def test_env_file_is_sourceable_and_documented(tmp_path):
    settings = StackSettings(state=tmp_path / "state")
    text = write_env_file(settings).read_text()
    names = {line.split("=", 1)[0].removeprefix("export ") for line in text.splitlines() if line.startswith("export")}
    assert names == set(stack_env(settings))
    example = (REPO / "include/dataops/devstack/embedded.env.example").read_text()
    undocumented = [n for n in names if f"{n}=" not in example]
    assert not undocumented, f"not documented in embedded.env.example: {undocumented}"


def test_mail_sink_stores_each_message_as_eml(tmp_path):
    with MailSink(tmp_path / "mail") as sink:
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = "hello", "a@example.com", "b@example.com"
        msg.set_content("body text")
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as client:
            client.send_message(msg)
            client.send_message(msg)
        files = sorted((tmp_path / "mail").glob("*.eml"))
        assert len(files) == 2
        assert sink.messages()[0]["Subject"] == "hello"
        assert sink.messages()[1].get_content().strip() == "body text"


def test_stop_returns_as_soon_as_a_service_started_by_this_process_exits(tmp_path):
    # `make demo` starts and stops the services from one Python process: the stopped child must be reaped,
    # not waited for until the timeout (a zombie still "exists") and then killed.
    processes.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ),
                    tmp_path / "run", tmp_path / "logs")
    assert processes.running("sleeper", tmp_path / "run")
    began = time.monotonic()
    assert processes.stop("sleeper", tmp_path / "run", timeout=10)
    assert time.monotonic() - began < 5
    assert not processes.running("sleeper", tmp_path / "run")


def test_prod_local_runs_every_production_component_with_postgres_and_redis(tmp_path, monkeypatch):
    """`make prod-local`: two Celery workers beside the other Airflow components, S3 and SMTP on the configured
    ports, and an environment whose warehouse is PostgreSQL (a leftover DuckDB path must not win)."""
    from dataops.devstack import prod_local

    monkeypatch.setenv("DATAOPS_WAREHOUSE_PATH", "/tmp/should-not-be-used.duckdb")
    s = prod_local.ProdLocalSettings(state=tmp_path, api_port=18081, s3_port=19101, smtp_port=12526)
    cmds = prod_local.service_commands(s)
    assert list(cmds) == ["s3", "smtp", "api-server", "scheduler", "dag-processor", "triggerer", "worker1", "worker2"]
    assert cmds["api-server"][1] == 18081 and cmds["s3"][1] == 19101 and cmds["smtp"][1] == 12526
    assert cmds["worker1"][0][1:3] == ["celery", "worker"] and "worker2@%h" in cmds["worker2"][0]
    env = prod_local.full_env(s)
    assert "DATAOPS_WAREHOUSE_PATH" not in env
    assert env["DATAOPS_WAREHOUSE_URL"].endswith(f"/{s.warehouse_db}")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith(f"/{s.metadata_db}")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor" and env["AIRFLOW__API__PORT"] == "18081"
    assert json.loads((tmp_path / "secrets.json").read_text())["fernet"] == env["AIRFLOW__CORE__FERNET_KEY"]
    assert prod_local.status(s) == dict.fromkeys(cmds, False)


def test_airflow_starts_with_its_api_server_and_the_scheduler_only_once_that_answers(tmp_path, monkeypatch):
    # After a crash a scheduler started next to a still-booting API server retried the dead tasks at once, and
    # each try died unable to reach the execution API: the scheduler must wait for the API server's port.
    from dataops.devstack import __main__ as devstack

    events: list[tuple[str, str]] = []
    monkeypatch.setattr(processes, "running", lambda name, run_dir: False)
    monkeypatch.setattr(processes, "port_open", lambda port: False)
    monkeypatch.setattr(processes, "start", lambda name, cmd, env, run_dir, log_dir: events.append(("start", name)))
    monkeypatch.setattr(processes, "wait_for_port", lambda port, timeout, name, log: events.append(("up", name)))
    settings = StackSettings(state=tmp_path / "state", s3_port=9911, smtp_port=2626, api_port=8181)
    env = devstack.start_services(settings, airflow=True)

    assert events == [("start", "s3"), ("up", "s3"), ("start", "smtp"), ("up", "smtp"),
                      ("start", "api-server"), ("up", "api-server"),
                      ("start", "scheduler"), ("start", "dag-processor"), ("start", "triggerer")]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert devstack.SERVICES[-4:] == devstack.AIRFLOW_COMPONENTS


def test_an_airflow_standalone_of_an_earlier_version_still_running_is_named(tmp_path, monkeypatch):
    # it holds the UI port: without this, the new API server would "find the port taken by another program"
    import pytest

    from dataops.devstack import __main__ as devstack

    started: list[str] = []
    monkeypatch.setattr(processes, "running", lambda name, run_dir: name == "airflow")
    monkeypatch.setattr(processes, "start", lambda name, *a: started.append(name))
    monkeypatch.setattr(processes, "wait_for_port", lambda *a: None)
    settings = StackSettings(state=tmp_path / "state", s3_port=9911, smtp_port=2626, api_port=8181)
    with pytest.raises(SystemExit, match="make down"):
        devstack.start_services(settings, airflow=True)
    assert started == []

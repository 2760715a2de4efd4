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

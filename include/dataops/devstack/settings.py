"""Paths, ports and environment variables of the embedded stack.

Everything the Airflow processes, dbt and the core library need is expressed as environment variables
(``AIRFLOW__*`` settings and ``AIRFLOW_CONN_*`` connections); nothing is hard-coded in DAGs or operators.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from dataops import settings

REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class StackSettings:
    """Where the embedded stack keeps its state and which ports it listens on.

    :param repo: the checkout (``dags/``, ``plugins/`` and ``dbt_project/`` are found there).
    :param state: the git-ignored folder that holds all state (default ``<repo>/.local``).
    :param s3_port: port of the local S3 endpoint.
    :param smtp_port: port of the local SMTP sink.
    :param api_port: port of the Airflow API server / UI.
    """

    repo: Path = REPO_ROOT
    state: Path = REPO_ROOT / ".local"
    s3_port: int = 9100
    smtp_port: int = 2525
    api_port: int = 8080

    @classmethod
    def from_env(cls) -> StackSettings:
        return cls(
            state=settings.path("DATAOPS_STATE_DIR"),
            s3_port=settings.get_int("DATAOPS_S3_PORT"),
            smtp_port=settings.get_int("DATAOPS_SMTP_PORT"),
            api_port=settings.get_int("DATAOPS_API_PORT"),
        )

    @property
    def airflow_home(self) -> Path:
        return self.state / "airflow"

    @property
    def mail_dir(self) -> Path:
        return self.state / "mail"

    @property
    def warehouse_path(self) -> Path:
        return self.state / "warehouse.duckdb"

    @property
    def s3_dir(self) -> Path:
        """Where the local S3 endpoint keeps its buckets and objects (see ``dataops.devstack.s3_server``)."""
        return self.state / "s3"

    @property
    def run_dir(self) -> Path:
        return self.state / "run"

    @property
    def log_dir(self) -> Path:
        return self.state / "logs"

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"


def connection_env(s3_endpoint: str, smtp_port: int, warehouse_path: Path,
                   registry_path: Path | None = None) -> dict[str, str]:
    """The ``AIRFLOW_CONN_*`` variables of the embedded stack (JSON form)."""
    aws = {
        "conn_type": "aws",
        # moto accepts any key pair; production credentials come from the compose env file instead.
        "login": "local-access-key",
        "password": "local-secret-key",
        "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"},
    }
    smtp = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": smtp_port,
        "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "dataops@localhost", "timeout": 10,
                  "retry_limit": 1},
    }
    warehouse = {"conn_type": "duckdb", "host": str(warehouse_path)}
    registry_path = registry_path or warehouse_path.with_name("registry.sqlite")
    registry = {"conn_type": "sqlite", "host": str(registry_path)}
    return {
        "AIRFLOW_CONN_REGISTRY_DEFAULT": json.dumps(registry),
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(aws),
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(smtp),
        "AIRFLOW_CONN_WAREHOUSE_DEFAULT": json.dumps(warehouse),
    }


def stack_env(settings: StackSettings) -> dict[str, str]:
    """Every environment variable the embedded stack's processes run with."""
    home = settings.airflow_home
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.repo / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(settings.repo / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # what `airflow standalone` forced: task processes on this machine, users from the setting below
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(settings.api_port),
        "AIRFLOW__API__BASE_URL": settings.ui_url,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DATAOPS_LANDING_BUCKET": "landing",
        "DATAOPS_ARTIFACT_BUCKET": "models",
        "DATAOPS_TRAINING_RUNNER": "inprocess",
        "DATAOPS_WAREHOUSE_PATH": str(settings.warehouse_path),
        "DATAOPS_REGISTRY_URL": f"sqlite:///{settings.state / 'registry.sqlite'}",
        "DATAOPS_MAIL_DIR": str(settings.mail_dir),
        "DATAOPS_REPORTS_DIR": str(settings.state / "reports"),
        "DATAOPS_S3_ENDPOINT_URL": settings.s3_endpoint,
        "AWS_ACCESS_KEY_ID": "local-access-key",
        "AWS_SECRET_ACCESS_KEY": "local-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DBT_PROFILES_DIR": str(settings.repo / "dbt_project"),
    }
    env.update(connection_env(settings.s3_endpoint, settings.smtp_port, settings.warehouse_path,
                              settings.state / "registry.sqlite"))
    return env


def write_env_file(settings: StackSettings) -> Path:
    """Write ``<state>/stack.env`` (``source`` it to use the ``airflow`` CLI against the embedded stack)."""
    settings.state.mkdir(parents=True, exist_ok=True)
    path = settings.state / "stack.env"
    lines = [f"export {k}={shlex.quote(v)}" for k, v in sorted(stack_env(settings).items())]
    path.write_text("# Generated by `python -m dataops.devstack`; do not edit.\n" + "\n".join(lines) + "\n")
    return path

"""The production stack of ``docker-compose.yaml`` as local processes: ``make prod-local``.

There is no Docker engine on our machines, but every component of the production stack exists here as a
process: the machine's PostgreSQL (an Airflow metadata database and a separate warehouse database, which also
holds the model registry), the machine's Redis as the Celery broker, Airflow with the **CeleryExecutor**
(API server, scheduler, DAG processor, triggerer and two Celery workers), the same S3 and SMTP endpoints as
the embedded stack, the warehouse on PostgreSQL through dbt-postgres.

The environment uses exactly the variable names of the compose file's ``x-airflow-common`` block
(``tests/unit/test_compose.py`` compares them), with values for this machine: so the compose file and this
path cannot drift apart. Training runs in-process (no Docker engine for the DockerOperator).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from dataops import settings
from dataops.devstack.settings import REPO_ROOT

#: Airflow components of the production stack, in start order (``celery worker`` twice).
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")


@dataclass(frozen=True)
class ProdLocalSettings:
    """Where the local production stack keeps its state and which services it uses.

    :param state: folder of logs, pid files, reports and generated secrets (default ``<repo>/.local/prod``).
    :param pg: the PostgreSQL server (``postgresql://user[:password]@host:port``); trust auth by default.
    :param metadata_db: the Airflow metadata database on it.
    :param warehouse_db: the warehouse (and registry) database on it.
    :param redis_url: the Celery broker.
    :param api_port: port of the API server / UI.
    :param s3_port: port of the S3 endpoint; ``smtp_port`` likewise.
    :param workers: number of Celery workers.
    """

    state: Path = REPO_ROOT / ".local" / "prod"
    # trust auth ignores the password, but dbt (through cosmos) refuses a PostgreSQL profile without one
    pg: str = "postgresql://postgres:postgres@127.0.0.1:5432"
    metadata_db: str = "dataops_airflow"
    warehouse_db: str = "dataops_warehouse"
    redis_url: str = "redis://127.0.0.1:6379/5"
    api_port: int = 8081
    s3_port: int = 9101
    smtp_port: int = 2526
    workers: int = 2

    @property
    def airflow_home(self) -> Path:
        return self.state / "airflow"

    @property
    def log_dir(self) -> Path:
        return self.state / "logs"

    @property
    def run_dir(self) -> Path:
        return self.state / "run"

    @property
    def mail_dir(self) -> Path:
        return self.state / "mail"

    @property
    def s3_dir(self) -> Path:
        return self.state / "s3"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def db_url(self, database: str, driver: str = "postgresql+psycopg2") -> str:
        """``database`` on the server ``pg``, through the one URL builder (user and password escaped)."""
        from sqlalchemy.engine import make_url

        from dataops.settings import database_url

        server = make_url(self.pg)
        url = database_url("postgres", host=server.host, port=server.port, user=server.username,
                           password=server.password, database=database)
        return driver + url[len("postgresql+psycopg2"):]


def _secrets(path: Path) -> dict[str, str]:
    """Fernet key, JWT secret and API secret key: generated once, kept in the state folder."""
    if path.exists():
        return json.loads(path.read_text())
    from cryptography.fernet import Fernet

    values = {"fernet": Fernet.generate_key().decode(), "jwt": secrets.token_urlsafe(32),
              "api": secrets.token_urlsafe(32)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def prod_env(s: ProdLocalSettings) -> dict[str, str]:
    """The compose file's ``x-airflow-common`` environment, with this machine's values."""
    from sqlalchemy.engine import make_url

    keys = _secrets(s.state / "secrets.json")
    pg = make_url(s.db_url(s.warehouse_db))
    pg_conn = {"conn_type": "postgres", "host": pg.host, "port": pg.port or 5432, "login": pg.username,
               "password": pg.password or "", "schema": s.warehouse_db}
    s3 = f"http://127.0.0.1:{s.s3_port}"
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": s.db_url(s.metadata_db),
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + s.db_url(s.metadata_db, "postgresql"),
        "AIRFLOW__CELERY__BROKER_URL": s.redis_url,
        "AIRFLOW__CORE__FERNET_KEY": keys["fernet"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt"],
        "AIRFLOW__API__SECRET_KEY": keys["api"],
        "AIRFLOW__API__BASE_URL": s.ui_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{s.ui_url}/execution/",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "true",
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps({
            "conn_type": "aws", "login": "local-access-key", "password": "local-secret-key",
            "extra": {"endpoint_url": s3, "region_name": "us-east-1",
                      "config_kwargs": {"s3": {"addressing_style": "path"}}}}),
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": s.smtp_port,
            "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "dataops@localhost", "timeout": 10,
                      "retry_limit": 1}}),
        "AIRFLOW_CONN_WAREHOUSE_DEFAULT": json.dumps(pg_conn),
        "AIRFLOW_CONN_REGISTRY_DEFAULT": json.dumps(pg_conn),
        "DATAOPS_LANDING_BUCKET": settings.landing_bucket(),
        "DATAOPS_ARTIFACT_BUCKET": settings.artifact_bucket(),
        "DATAOPS_S3_ENDPOINT_URL": s3,
        "DATAOPS_REPORTS_DIR": str(s.state / "reports"),
        "DATAOPS_REPORTS_BUCKET": "reports",
        "DATAOPS_REQUIRE_APPROVAL": "true",
        "DATAOPS_WAREHOUSE_URL": s.db_url(s.warehouse_db, "postgresql"),
        "DATAOPS_REGISTRY_URL": s.db_url(s.warehouse_db),
        "AWS_ACCESS_KEY_ID": "local-access-key",
        "AWS_SECRET_ACCESS_KEY": "local-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DBT_PROFILES_DIR": str(REPO_ROOT / "dbt_project"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DATAOPS_PG_HOST": pg.host or "127.0.0.1",
        "DATAOPS_PG_PORT": str(pg.port or 5432),
        "DATAOPS_PG_USER": pg.username or "postgres",
        "DATAOPS_PG_PASSWORD": pg.password or "",
        "DATAOPS_PG_DBNAME": s.warehouse_db,
        "DATAOPS_PG_SCHEMA": "public",
        # No Docker engine here: training runs in the worker's process; the names stay those of compose.
        "DOCKER_HOST": "unix:///var/run/docker.sock",
        "DATAOPS_DOCKER_IMAGE": "dataops-suite:latest",
        "DATAOPS_TRAINING_RUNNER": "inprocess",
        "DATAOPS_DOCKER_NETWORK": "bridge",
    }


def local_env(s: ProdLocalSettings) -> dict[str, str]:
    """What the processes need beyond the compose names: where things are on this machine."""
    return {
        "AIRFLOW_HOME": str(s.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(s.api_port),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(s.airflow_home / "logs"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(s.airflow_home / "passwords.json"),
        "DATAOPS_MAIL_DIR": str(s.mail_dir),
    }


def commands(airflow: str, s: ProdLocalSettings) -> dict[str, list[str]]:
    """Name -> argv of every Airflow process (the workers named so that logs and kills can tell them apart)."""
    cmds = {name: [airflow, name] for name in COMPONENTS}
    for i in range(1, s.workers + 1):
        cmds[f"worker{i}"] = [airflow, "celery", "worker", "--celery-hostname", f"worker{i}@%h",
                              "--concurrency", "2", "--without-gossip", "--without-mingle"]
    return cmds


def full_env(s: ProdLocalSettings) -> dict[str, str]:
    """The processes' environment: this one, the compose names (:func:`prod_env`) and :func:`local_env`."""
    import os
    import sys

    env = dict(os.environ)
    env.pop("DATAOPS_WAREHOUSE_PATH", None)  # the warehouse is PostgreSQL here (DATAOPS_WAREHOUSE_URL)
    env.update(prod_env(s))
    env.update(local_env(s))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def ensure_databases(s: ProdLocalSettings) -> list[str]:
    """Create the metadata and warehouse databases when missing; the names of those created."""
    import sqlalchemy as sa

    admin = sa.create_engine(s.db_url("postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    created = []
    try:
        with admin.connect() as conn:
            for name in (s.metadata_db, s.warehouse_db):
                exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                if not exists:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                    created.append(name)
    finally:
        admin.dispose()
    return created


def drop_databases(s: ProdLocalSettings) -> None:
    """Drop both databases (the end-to-end tests' throw-away stacks)."""
    import sqlalchemy as sa

    admin = sa.create_engine(s.db_url("postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            for name in (s.metadata_db, s.warehouse_db):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def service_commands(s: ProdLocalSettings) -> dict[str, tuple[list[str], int | None]]:
    """Name -> (argv, port it opens or None) of every process, in start order."""
    import os
    import sys

    py = sys.executable
    airflow = os.path.join(os.path.dirname(py), "airflow")
    wanted: dict[str, tuple[list[str], int | None]] = {
        "s3": ([py, "-m", "dataops.devstack.s3_server", "--port", str(s.s3_port), "--dir", str(s.s3_dir)],
               s.s3_port),
        "smtp": ([py, "-m", "dataops.devstack.smtp_sink", "--port", str(s.smtp_port), "--dir", str(s.mail_dir)],
                 s.smtp_port),
    }
    for name, argv in commands(airflow, s).items():
        wanted[name] = (argv, s.api_port if name == "api-server" else None)
    return wanted


def migrate(s: ProdLocalSettings, env: dict[str, str], pool_slots: int = 1) -> None:
    """``airflow db migrate`` on PostgreSQL and the ``warehouse`` pool (as compose's airflow-init does)."""
    import os
    import subprocess
    import sys

    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([airflow, "pools", "set", "warehouse", str(pool_slots), "warehouse writes"],
                   env=env, check=True, stdout=subprocess.DEVNULL)


def up(s: ProdLocalSettings, timeout: float = 240, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """Create the databases, migrate, start S3, SMTP and every Airflow process; the environment they run with.

    :param extra_env: more variables (the end-to-end tests shorten sensor timeouts and heartbeats).
    """
    from dataops.devstack import processes

    for folder in (s.airflow_home, s.mail_dir, s.s3_dir, s.log_dir, s.run_dir, s.state / "reports"):
        folder.mkdir(parents=True, exist_ok=True)
    ensure_databases(s)
    env = {**full_env(s), **(extra_env or {})}
    migrate(s, env)
    for name, (argv, port) in service_commands(s).items():
        if processes.running(name, s.run_dir):
            continue
        if port is not None and processes.port_open(port):
            raise SystemExit(f"port {port} for {name} is taken by another program")
        processes.start(name, argv, env, s.run_dir, s.log_dir)
        if port is not None:
            processes.wait_for_port(port, timeout, name, s.log_dir / f"{name}.log")
    return env


def down(s: ProdLocalSettings) -> list[str]:
    """Stop every process of the stack (reverse start order); the names of those stopped."""
    from dataops.devstack import processes

    return [name for name in reversed(list(service_commands(s))) if processes.stop(name, s.run_dir)]


def status(s: ProdLocalSettings) -> dict[str, bool]:
    from dataops.devstack import processes

    return {name: processes.running(name, s.run_dir) for name in service_commands(s)}

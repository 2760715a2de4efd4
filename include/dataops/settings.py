"""Every setting of the suite, named once: its environment variable, default and meaning.

Inside Airflow the connections are the source of truth for services (``warehouse_default``, ``registry_default``,
``aws_default``, ``smtp_default``); the variables below that name a service are what the same code reads outside
Airflow (CLI, training container). Everything else (buckets, folders, runners) is read here and only here:
``settings.get("DATAOPS_LANDING_BUCKET")``. The README's settings table is :func:`markdown_table`'s output
(a test keeps the two equal).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    """One environment variable.

    :param name: the variable.
    :param default: used when the variable is unset or empty (``None``: no default).
    :param meaning: one line for the README.
    :param connection: the Airflow connection that holds the same setting inside Airflow, if any.
    """

    name: str
    default: str | None
    meaning: str
    connection: str | None = None


_REPO = str(REPO_ROOT)

SETTINGS: dict[str, Setting] = {s.name: s for s in (
    # services (Airflow connections inside Airflow; these variables outside it)
    Setting("DATAOPS_WAREHOUSE_URL", None, "PostgreSQL warehouse URL (`postgresql://user:pw@host:5432/db`); "
            "takes precedence over the DuckDB path", "warehouse_default"),
    Setting("DATAOPS_WAREHOUSE_PATH", None, "DuckDB warehouse file", "warehouse_default"),
    Setting("DATAOPS_REGISTRY_URL", None, "model registry database (SQLAlchemy URL); default: the warehouse",
            "registry_default"),
    Setting("DATAOPS_REGISTRY_SCHEMA", "registry", "schema of the registry tables"),
    Setting("DATAOPS_S3_ENDPOINT_URL", None, "S3 endpoint (empty: AWS)", "aws_default"),
    Setting("DATAOPS_PG_HOST", "127.0.0.1", "dbt CLI outside Airflow, `postgres` target of profiles.yml: host"),
    Setting("DATAOPS_PG_PORT", "5432", "dbt `postgres` target: port"),
    Setting("DATAOPS_PG_USER", "postgres", "dbt `postgres` target: user"),
    Setting("DATAOPS_PG_PASSWORD", None, "dbt `postgres` target: password"),
    Setting("DATAOPS_PG_DBNAME", "dataops", "dbt `postgres` target: database"),
    Setting("DATAOPS_PG_SCHEMA", "public", "dbt `postgres` target: schema"),
    Setting("DATAOPS_DBT_THREADS", None, "dbt CLI threads (profiles.yml: 1 on DuckDB, 4 on PostgreSQL)"),
    # buckets and folders
    Setting("DATAOPS_LANDING_BUCKET", "landing", "bucket where the upstream system lands daily batches"),
    Setting("DATAOPS_ARTIFACT_BUCKET", "models", "bucket of model artifacts, evaluation reports and results"),
    Setting("DATAOPS_REPORTS_DIR", ".local/reports", "folder of Data Docs and gate results"),
    Setting("DATAOPS_REPORTS_BUCKET", None, "bucket each gate run publishes its Data Docs and result to, read "
            "by the `/dataops` app (production: any worker's report); empty: served from the reports folder",
            "aws_default"),
    Setting("DATAOPS_MAIL_DIR", ".local/mail", "where the embedded SMTP sink saves every e-mail (`.eml`)"),
    Setting("DATAOPS_DATASETS_DIR", f"{_REPO}/include/dataops/datasets", "folder of the dataset YAML files"),
    Setting("DATAOPS_EXPECTATIONS_DIR", f"{_REPO}/expectations", "folder of metric files and the GX project"),
    Setting("DATAOPS_GX_PROJECT_DIR", None, "GX project root (default: the expectations folder)"),
    Setting("DATAOPS_DBT_PROJECT_DIR", f"{_REPO}/dbt_project", "the dbt project"),
    Setting("DATAOPS_STATE_DIR", f"{_REPO}/.local", "state of the embedded stack"),
    Setting("DATAOPS_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test",
            "PostgreSQL server of the tests and of `make reliability --postgres` (a fresh database each run)"),
    # behaviour
    Setting("DATAOPS_QUALITY_SPC_OVERRIDES", "", "JSON object applied over every metric's SPC settings"),
    Setting("DATAOPS_DBT_EXECUTION_MODE", "watcher", "`watcher`: one dbt build + a watcher task per model; "
            "`local`: one dbt task per model (what `dag.test()` needs)"),
    Setting("DATAOPS_TRAINING_RUNNER", "inprocess", "`inprocess` or `docker` (DockerOperator in production)"),
    Setting("DATAOPS_DOCKER_IMAGE", "dataops-suite:latest", "image of the training container"),
    Setting("DATAOPS_DOCKER_NETWORK", "bridge", "network the training container joins"),
    Setting("DATAOPS_CODE_REVISION", None, "code revision recorded with each model (default: `git rev-parse`)"),
    Setting("DATAOPS_ACTOR", None, "who the CLI records as actor (default: the OS user)"),
    Setting("DATAOPS_MODEL_NAME", None, "registered model of the registry CLI (default: the dataset name)"),
    Setting("DATAOPS_OPS_RECIPIENTS", "ops@localhost", "operations e-mail addresses (comma-separated)"),
    Setting("DATAOPS_SENSOR_POKE_INTERVAL", "30", "seconds between two pokes of a landed-batch sensor (read at "
            "DAG parse time)"),
    Setting("DATAOPS_SENSOR_TIMEOUT", "14400", "seconds a landed-batch sensor waits before the batch is late "
            "(read at DAG parse time)"),
    Setting("AIRFLOW__API__BASE_URL", "http://127.0.0.1:8080", "public URL of the Airflow UI (Airflow's own "
            "`[api] base_url`): the base of every report link (Data Docs, evaluation report, e-mails)"),
    Setting("DATAOPS_REQUIRE_APPROVAL", "", "`true`/`false`: overrides every dataset's `promotion.require_approval` "
            "(a human approves each promotion; on in docker-compose.yaml); empty: the dataset's setting"),
    Setting("DATAOPS_INNOVATION_CUTOFF", "", "knowledge date (YYYY-MM-DD) of Innovation Pipeline runs that do not "
            "give one; empty: the run's data interval end. The end-to-end tests pin it to their simulated data"),
    Setting("DATAOPS_PROMOTION_RULE", "", "YAML file of the Innovation Pipeline's promotion rule (floors, min_delta, "
            "...: the keys of dataops.evaluation.rule.PromotionRule); empty: the defaults"),
    Setting("DATAOPS_APPROVAL_TIMEOUT", "259200", "seconds a promotion waits for its approval before it is "
            "rejected (read at DAG parse time)"),
    Setting("DATAOPS_RETRY_DELAY", "", "seconds before a failed Value or Innovation Pipeline task is retried "
            "(the first retry; later ones back off); empty: each pipeline's own (1 and 2 minutes); read at DAG "
            "parse time"),
    Setting("DATAOPS_S3_ATTEMPTS", "5", "attempts of each S3 call of the ingest and its sensor while the endpoint "
            "does not answer; then the task fails naming S3 and its endpoint"),
    Setting("DATAOPS_S3_BACKOFF", "1", "seconds before the second S3 attempt; each later wait doubles (1, 2, 4, "
            "8 s by default)"),
    Setting("DATAOPS_WAREHOUSE_ATTEMPTS", "5", "attempts to open a warehouse connection (a DuckDB file locked by "
            "another process, PostgreSQL refusing) and of a partition's write PostgreSQL ended mid-transaction"),
    Setting("DATAOPS_WAREHOUSE_BACKOFF", "1", "seconds before the second warehouse attempt; each later wait "
            "doubles"),
    Setting("DATAOPS_TRIAGE_REMINDER_AFTER", "86400", "seconds an analysts' triage action waits before a reminder "
            "e-mail (read at DAG parse time)"),
    Setting("DATAOPS_TRIAGE_REMINDERS", "3", "reminders before an unanswered triage action is handed to "
            "operations (read at DAG parse time)"),
    # the embedded stack and its demo
    Setting("DATAOPS_S3_PORT", "9100", "port of the embedded S3 endpoint"),
    Setting("DATAOPS_SMTP_PORT", "2525", "port of the embedded SMTP sink"),
    Setting("DATAOPS_API_PORT", "8080", "port of the embedded Airflow UI / API"),
    Setting("DATAOPS_DEMO_TX_PER_DAY", "2000", "simulated transactions per demo day"),
)}


def get(name: str) -> str | None:
    """The variable's value, or its default when unset or empty.

    :raises KeyError: ``name`` is not a known setting (a typo fails loudly).
    """
    setting = SETTINGS[name]
    return os.environ.get(name) or setting.default


def require(name: str) -> str:
    """Like :func:`get`, but a missing value is an error that names the variable."""
    value = get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: {SETTINGS[name].meaning}")
    return value


def get_int(name: str) -> int:
    return int(require(name))


def path(name: str) -> Path:
    """A folder or file setting as an absolute path (relative values are taken from the working directory)."""
    return Path(require(name)).resolve()


def sensor_timing() -> dict[str, float]:
    """``poke_interval`` and ``timeout`` (seconds) of the landed-batch sensors; environment only, so a DAG
    file may call it at parse time (the end-to-end tests shorten both; production keeps the defaults)."""
    return {"poke_interval": float(get_int("DATAOPS_SENSOR_POKE_INTERVAL")),
            "timeout": float(get_int("DATAOPS_SENSOR_TIMEOUT"))}


def triage_timing() -> dict[str, float]:
    """``reminder_after`` (seconds an analysts' triage action waits before each reminder) and ``reminders``
    (how many); environment only, so a DAG file may call it at parse time."""
    return {"reminder_after": float(get_int("DATAOPS_TRIAGE_REMINDER_AFTER")),
            "reminders": float(get_int("DATAOPS_TRIAGE_REMINDERS"))}


def retry_delay(default: timedelta) -> timedelta:
    """The first retry delay of a pipeline's tasks: ``DATAOPS_RETRY_DELAY`` seconds when set, else ``default``
    (parse time, environment only; the end-to-end tests shorten it so a killed task is retried at once)."""
    value = get("DATAOPS_RETRY_DELAY")
    return timedelta(seconds=float(value)) if value else default


def ops_recipients() -> list[str]:
    """Operations' e-mail addresses: ``DATAOPS_OPS_RECIPIENTS``, comma- (or semicolon-) separated."""
    return [a.strip() for a in (get("DATAOPS_OPS_RECIPIENTS") or "").replace(";", ",").split(",") if a.strip()]


def approval_timeout() -> float:
    """Seconds a promotion waits for a human approval before it is rejected (parse time, environment only)."""
    return float(get_int("DATAOPS_APPROVAL_TIMEOUT"))


def require_approval(dataset_default: bool) -> bool:
    """Whether a promotion needs a human approval: ``DATAOPS_REQUIRE_APPROVAL`` when set, else the dataset's.

    :raises ValueError: the variable is set to something other than true/false.
    """
    value = (get("DATAOPS_REQUIRE_APPROVAL") or "").strip().lower()
    if not value:
        return dataset_default
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"DATAOPS_REQUIRE_APPROVAL must be true or false, got {value!r}")
    return value in ("true", "1", "yes")


def landing_bucket(explicit: str | None = None) -> str:
    return explicit or require("DATAOPS_LANDING_BUCKET")


def artifact_bucket(explicit: str | None = None) -> str:
    return explicit or require("DATAOPS_ARTIFACT_BUCKET")


def database_url(kind: str, *, host: str | None = None, port: int | None = None, user: str | None = None,
                 password: str | None = None, database: str | None = None, path: str | None = None) -> str:
    """The one builder of SQLAlchemy URLs; user and password are percent-escaped.

    :param kind: ``postgres``, ``duckdb`` or ``sqlite`` (``path`` for the two file databases).
    """
    if kind in ("duckdb", "sqlite"):
        if not path:
            raise ValueError(f"a {kind} database needs a file path")
        return f"{kind}:///{path}"
    if kind not in ("postgres", "postgresql"):
        raise ValueError(f"unknown database kind {kind!r}; expected postgres, duckdb or sqlite")
    auth = quote(user or "postgres", safe="")
    if password:
        auth += ":" + quote(password, safe="")
    return f"postgresql+psycopg2://{auth}@{host or '127.0.0.1'}:{port or 5432}/{quote(database or '', safe='')}"


def markdown_table() -> str:
    """The README's settings table."""
    lines = ["| variable | default | meaning | inside Airflow |", "|---|---|---|---|"]
    for s in SETTINGS.values():
        default = f"`{s.default.replace(_REPO, '<repo>')}`" if s.default else ""
        conn = f"connection `{s.connection}`" if s.connection else ""
        lines.append(f"| `{s.name}` | {default} | {s.meaning} | {conn} |")
    return "\n".join(lines)


def readme_with_table(readme: str) -> str:
    """``readme`` with the text between the settings markers replaced by :func:`markdown_table`."""
    begin, end = "<!-- settings:begin -->", "<!-- settings:end -->"
    head, _, rest = readme.partition(begin)
    _, _, tail = rest.partition(end)
    return f"{head}{begin}\n{markdown_table()}\n{end}{tail}"


if __name__ == "__main__":  # python -m dataops.settings README.md: rewrite the README's settings table
    import sys

    target = Path(sys.argv[1])
    target.write_text(readme_with_table(target.read_text()))

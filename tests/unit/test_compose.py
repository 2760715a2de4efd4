"""Static checks of the Docker stack: docker-compose.yaml, Dockerfile, .env.example and deploy/.

There is no Docker engine where the tests run, so the stack is checked by parsing: the services exist and
are health-checked, no secret is written in the files, every interpolated variable is documented, and the
environment stays in step with the embedded stack (``dataops.devstack.settings.stack_env``) and with dbt's
``postgres`` target (``dbt_project/profiles.yml``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from dataops.devstack.settings import StackSettings, connection_env, stack_env
from dataops_airflow.settings import WAREHOUSE_POOL

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERIGNORE = REPO / ".dockerignore"
DBT_PROFILES = REPO / "dbt_project" / "profiles.yml"

EXPECTED_SERVICES = {
    "postgres", "redis",
    "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker", "airflow-triggerer",
    "airflow-init",
    "minio", "minio-init", "mailpit", "docker-socket-proxy",
}
# Run once and exit: no healthcheck, never restarted.
ONE_SHOT_SERVICES = {"airflow-init", "minio-init"}
AIRFLOW_SERVICES = {s for s in EXPECTED_SERVICES if s.startswith("airflow-")}

# Variables compared with stack_env(): connections and everything the core library, boto3 and dbt read.
# (AIRFLOW__* settings differ between the two stacks by design: SQLite vs PostgreSQL, paths, auth.)
TRACKED_PREFIXES = ("AIRFLOW_CONN_", "DATAOPS_", "AWS_", "DBT_")
# Set by stack_env() but meaningless in the Docker stack.
EMBEDDED_ONLY = {
    # DuckDB file; the Docker stack's warehouse is PostgreSQL (DATAOPS_WAREHOUSE_URL, DATAOPS_PG_*).
    "DATAOPS_WAREHOUSE_PATH",
    # Mailbox folder of the embedded SMTP sink; in Docker, Mailpit keeps the mail.
    "DATAOPS_MAIL_DIR",
}
# Set only by the Docker stack (plus dbt's DATAOPS_PG_* names, read from profiles.yml).
PRODUCTION_ONLY = {
    # PostgreSQL warehouse for WarehouseLocation.from_env() (the embedded stack uses DATAOPS_WAREHOUSE_PATH).
    "DATAOPS_WAREHOUSE_URL",
    # Image and network of the training containers the DockerOperator starts.
    "DATAOPS_DOCKER_IMAGE",
    "DATAOPS_DOCKER_NETWORK",
    # A human approves each promotion in production (the embedded demo keeps each dataset's setting).
    "DATAOPS_REQUIRE_APPROVAL",
    # Reports published to S3 so the API server reaches any worker's (the embedded stack has one folder).
    "DATAOPS_REPORTS_BUCKET",
}
# Embedded: DuckDB warehouse and SQLite registry files; in Docker both are PostgreSQL. Others are unchanged.
PRODUCTION_CONN_TYPES = {"AIRFLOW_CONN_WAREHOUSE_DEFAULT": "postgres", "AIRFLOW_CONN_REGISTRY_DEFAULT": "postgres"}

# Names whose values are secrets (access key ids such as S3_ACCESS_KEY / AWS_ACCESS_KEY_ID are not).
SECRET_KEY_RE = re.compile(r"PASSWORD|SECRET|TOKEN|FERNET|API_KEY|PRIVATE_KEY|_AUTH$", re.IGNORECASE)
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, ${NAME:+alt}
INTERPOLATION_RE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")
PLACEHOLDER = "change-me"


@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict[str, dict]:
    return compose()["services"]


def common_env() -> dict[str, object]:
    return compose()["x-airflow-common"]["environment"]


def env_of(service: dict) -> dict[str, object]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "use the mapping form of `environment:` so the checks can read it"
    return env


def all_environments() -> dict[str, dict[str, object]]:
    """Every ``environment:`` mapping in the file, by where it is."""
    envs = {"x-airflow-common": common_env()}
    envs.update({name: env_of(svc) for name, svc in services().items()})
    return envs


def all_strings(node: object) -> list[str]:
    """Every string (keys and values) of the parsed compose file: what compose interpolates (no comments)."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in all_strings(k) + all_strings(v)]
    if isinstance(node, list):
        return [s for item in node for s in all_strings(item)]
    return [node] if isinstance(node, str) else []


def interpolated_names(text: str) -> set[str]:
    return {m["name"] for m in INTERPOLATION_RE.finditer(text.replace("$$", ""))}


def substitute(text: str) -> str:
    """What compose would produce with a dummy value for every ``${...}`` (``$$`` is a literal ``$``)."""
    return "$".join(INTERPOLATION_RE.sub(lambda m: f"dummy-{m['name'].lower()}", part) for part in text.split("$$"))


def is_required_interpolation(text: str) -> bool:
    """``text`` is exactly one ``${NAME:?...}``: a value that must come from the env file."""
    m = INTERPOLATION_RE.fullmatch(text)
    return bool(m) and m["op"] == ":?"


def only_required_interpolations(text: str) -> bool:
    """Every interpolation in ``text`` is required and no letter or digit is written around them."""
    matches = list(INTERPOLATION_RE.finditer(text))
    rest = INTERPOLATION_RE.sub("", text)
    return bool(matches) and all(m["op"] == ":?" for m in matches) and not re.search(r"[A-Za-z0-9]", rest)


def connection(name: str) -> dict:
    return json.loads(substitute(str(common_env()[name])))


@cache
def env_example() -> dict[str, tuple[str, list[str]]]:
    """``NAME -> (value, comment lines right above it)`` from .env.example."""
    entries: dict[str, tuple[str, list[str]]] = {}
    comments: list[str] = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped.lstrip("#").strip())
        elif "=" in stripped:
            name, value = stripped.split("=", 1)
            entries[name.strip()] = (value.strip(), comments)
            comments = []
        else:
            comments = []
    return entries


@cache
def profile_pg_names() -> set[str] | None:
    """``DATAOPS_PG_*`` names dbt's ``postgres`` target reads (None while profiles.yml does not exist)."""
    if not DBT_PROFILES.exists():
        return None
    outputs = yaml.safe_load(DBT_PROFILES.read_text())["dataops"]["outputs"]
    text = json.dumps(outputs["postgres"])
    return set(re.findall(r"env_var\(\s*['\"](DATAOPS_PG_[A-Z0-9_]+)['\"]", text))


def tracked(names: set[str]) -> set[str]:
    return {n for n in names if n.startswith(TRACKED_PREFIXES)}


# ---------------------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------------------


def test_every_expected_service_exists():
    assert set(services()) == EXPECTED_SERVICES


def test_long_running_services_have_a_healthcheck_and_one_shots_do_not_restart():
    for name, svc in services().items():
        if name in ONE_SHOT_SERVICES:
            assert svc.get("restart", "no") == "no", f"{name} runs once; restarting it would loop"
            continue
        check = svc.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_executor_is_celery_with_the_redis_service_as_broker():
    env = common_env()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    broker = urlsplit(str(env["AIRFLOW__CELERY__BROKER_URL"]))
    assert broker.scheme == "redis" and broker.hostname == "redis" and "redis" in services()
    assert urlsplit(substitute(str(env["AIRFLOW__CELERY__RESULT_BACKEND"]))).hostname == "postgres"
    assert services()["airflow-worker"]["command"] == "celery worker"


def test_airflow_services_run_the_project_image_and_wait_for_healthy_postgres_and_redis():
    image = compose()["x-airflow-common"]["image"]
    runs_image = {name for name, svc in services().items() if svc.get("image") == image}
    assert runs_image == AIRFLOW_SERVICES
    for name in AIRFLOW_SERVICES:
        deps = services()[name]["depends_on"]
        for dep in ("postgres", "redis"):
            assert deps[dep]["condition"] == "service_healthy", f"{name} must wait for a healthy {dep}"
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        assert services()[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_compose_builds_the_image_it_runs_and_hands_it_to_the_docker_operator():
    common = compose()["x-airflow-common"]
    assert common["image"] == "dataops-suite:latest"
    assert (REPO / common["build"]["context"] / "Dockerfile").resolve() == DOCKERFILE
    assert common_env()["DATAOPS_DOCKER_IMAGE"] == common["image"]
    assert common_env()["DATAOPS_DOCKER_NETWORK"] == compose()["networks"]["default"]["name"]
    assert urlsplit(str(common_env()["DOCKER_HOST"])).hostname == "docker-socket-proxy"


def test_mail_server_has_a_web_inbox_and_takes_smtp_on_the_connection_port():
    mailpit = services()["mailpit"]
    published = {str(p).split(":")[-1] for p in mailpit["ports"]}
    assert "8025" in published, "the web inbox port must be published to the host"
    smtp = connection("AIRFLOW_CONN_SMTP_DEFAULT")
    assert smtp["host"] == "mailpit"
    assert str(smtp["port"]) in {str(p) for p in mailpit.get("expose", [])} | published


def test_minio_init_creates_the_buckets_airflow_uses():
    init_env = env_of(services()["minio-init"])
    embedded = stack_env(StackSettings())
    for var, init_var in (("DATAOPS_LANDING_BUCKET", "LANDING_BUCKET"), ("DATAOPS_ARTIFACT_BUCKET", "ARTIFACT_BUCKET")):
        assert init_env[init_var] == common_env()[var] == embedded[var]
    assert init_env["REPORTS_BUCKET"] == common_env()["DATAOPS_REPORTS_BUCKET"]  # production only
    script = REPO / "deploy" / "minio" / "create-buckets.sh"
    assert script.exists()
    text = script.read_text()
    assert {"LANDING_BUCKET", "ARTIFACT_BUCKET", "REPORTS_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY"} <= interpolated_names(text)
    assert {"S3_ACCESS_KEY", "S3_SECRET_KEY"} <= set(init_env), "minio-init must create Airflow's access key"


def test_warehouse_database_is_created_by_the_postgres_init_script():
    postgres = services()["postgres"]
    mounts = [substitute(str(v)) for v in postgres["volumes"]]
    init_mount = next(m for m in mounts if ":/docker-entrypoint-initdb.d" in m)
    folder = REPO / init_mount.split(":")[0]
    scripts = sorted(folder.glob("*.sh")) + sorted(folder.glob("*.sql"))
    assert scripts, f"no init script in {folder}"
    needed = interpolated_names("\n".join(s.read_text() for s in scripts)) & {n for n in env_of(postgres)
                                                                              if n.startswith("WAREHOUSE_")}
    assert needed == {"WAREHOUSE_DB", "WAREHOUSE_USER", "WAREHOUSE_PASSWORD"}
    assert env_of(postgres)["WAREHOUSE_DB"] != env_of(postgres)["POSTGRES_DB"], "warehouse needs its own database"


# ---------------------------------------------------------------------------------------------------------
# Secrets and the env file
# ---------------------------------------------------------------------------------------------------------


def test_no_literal_secret_values():
    for where, env in all_environments().items():
        for key, value in env.items():
            text = str(value)
            if SECRET_KEY_RE.search(key):
                assert only_required_interpolations(text), f"{where}.{key} must come from .env as ${{VAR:?...}}"
            # Required interpolations masked: whatever letters remain in user:password@ are written here.
            masked = INTERPOLATION_RE.sub(lambda m: "~" if m["op"] == ":?" else m[0], text)
            for userinfo in re.findall(r"://([^/@]*)@", masked):
                assert not re.search(r"[A-Za-z0-9]", userinfo), f"{where}.{key}: URL credentials must come from .env"
            if key.startswith("AIRFLOW_CONN_"):
                raw = json.loads(text)  # the interpolations sit inside JSON strings
                for field in ("login", "password"):
                    if field in raw:
                        assert is_required_interpolation(raw[field]), f"{key}.{field} must come from .env"


def test_compose_environment_values_are_strings_or_numbers():
    for where, env in all_environments().items():
        for key, value in env.items():
            assert isinstance(value, str | int) and not isinstance(value, bool), (
                f"{where}.{key}: compose rejects {type(value).__name__} values; quote it"
            )


def test_every_interpolated_variable_is_documented_in_env_example():
    strings = all_strings(compose())
    for text in strings:
        assert not re.search(r"\$[A-Za-z_]", text.replace("$$", "")), f"use braced ${{VAR}} only: {text!r}"
    used = set().union(*(interpolated_names(text) for text in strings))
    documented = env_example()
    assert used - set(documented) == set(), "add these to .env.example"
    assert set(documented) - used == set(), "documented in .env.example but unused by docker-compose.yaml"
    for name in used:
        assert documented[name][1], f"{name} in .env.example needs a comment line above it"


def test_env_example_holds_placeholders_not_secrets():
    for name, (value, _) in env_example().items():
        if SECRET_KEY_RE.search(name):
            assert value == PLACEHOLDER, f"{name} in .env.example must be the placeholder {PLACEHOLDER!r}"


def test_env_file_stays_out_of_the_image():
    ignored = DOCKERIGNORE.read_text().split()
    assert ".env" in ignored and ".git" in ignored


# ---------------------------------------------------------------------------------------------------------
# Same system as the embedded stack
# ---------------------------------------------------------------------------------------------------------


def test_connection_and_dataops_variables_match_the_embedded_stack():
    embedded = tracked(set(stack_env(StackSettings())))
    assert EMBEDDED_ONLY <= embedded, "an EMBEDDED_ONLY name is no longer set by stack_env(); drop it"
    pg_names = profile_pg_names()
    if pg_names is None:  # profiles.yml not written yet: accept the DATAOPS_PG_* compose sets
        pg_names = {n for n in common_env() if n.startswith("DATAOPS_PG_")}
    expected = (embedded - EMBEDDED_ONLY) | PRODUCTION_ONLY | pg_names
    assert tracked(set(common_env())) == expected


def test_connections_parse_and_have_the_conn_types_the_code_expects():
    embedded = connection_env("http://127.0.0.1:9100", 2525, Path("/tmp/warehouse.duckdb"))
    for name, value in embedded.items():
        want = PRODUCTION_CONN_TYPES.get(name, json.loads(value)["conn_type"])
        assert connection(name)["conn_type"] == want, name
    assert {"aws", "smtp", "postgres"} == {connection(n)["conn_type"] for n in embedded}
    smtp_extra = json.loads(embedded["AIRFLOW_CONN_SMTP_DEFAULT"])["extra"]
    assert set(smtp_extra) <= set(connection("AIRFLOW_CONN_SMTP_DEFAULT")["extra"])


def test_s3_connection_and_core_library_use_minio_with_the_same_key():
    aws = connection("AIRFLOW_CONN_AWS_DEFAULT")
    endpoint = aws["extra"]["endpoint_url"]
    assert endpoint == common_env()["DATAOPS_S3_ENDPOINT_URL"]
    assert urlsplit(endpoint).hostname == "minio" and "minio" in services()
    env = common_env()
    assert (aws["login"], aws["password"]) == (substitute(str(env["AWS_ACCESS_KEY_ID"])),
                                               substitute(str(env["AWS_SECRET_ACCESS_KEY"])))


@pytest.mark.parametrize(("conn_name", "url_name"), [
    ("AIRFLOW_CONN_WAREHOUSE_DEFAULT", "DATAOPS_WAREHOUSE_URL"),
    ("AIRFLOW_CONN_REGISTRY_DEFAULT", "DATAOPS_REGISTRY_URL"),
])
def test_warehouse_and_registry_settings_name_the_warehouse_database(conn_name: str, url_name: str):
    conn = connection(conn_name)
    env = {k: substitute(str(v)) for k, v in common_env().items()}
    url = urlsplit(env[url_name])
    warehouse_db = env_of(services()["postgres"])["WAREHOUSE_DB"]
    assert conn["conn_type"] == "postgres"  # the warehouse kind is the connection's type, nothing else
    assert url.scheme.split("+")[0] == "postgresql"
    assert conn["host"] == url.hostname == env["DATAOPS_PG_HOST"] == "postgres"
    assert int(conn["port"]) == url.port == int(env["DATAOPS_PG_PORT"])
    assert conn["schema"] == url.path.lstrip("/") == env["DATAOPS_PG_DBNAME"] == warehouse_db
    assert conn["login"] == url.username == env["DATAOPS_PG_USER"]
    assert conn["password"] == url.password == env["DATAOPS_PG_PASSWORD"]


def test_airflow_init_creates_the_pool_and_the_dbt_manifest_the_dags_need():
    init = services()["airflow-init"]
    script = "\n".join(str(part) for part in init["command"])
    assert f"airflow pools set {WAREHOUSE_POOL} " in script
    parse = re.search(r"dbt parse[^\n]*", script)
    assert parse and "--target postgres" in parse[0], "the manifest must be parsed for the production target"
    for key in ("_AIRFLOW_DB_MIGRATE", "_AIRFLOW_WWW_USER_CREATE"):
        assert env_of(init)[key] == "true", f"airflow-init must set {key}"


def test_dbt_postgres_target_reads_the_variables_compose_sets():
    names = profile_pg_names()
    if names is None:
        pytest.skip(f"{DBT_PROFILES.relative_to(REPO)} does not exist yet; nothing to compare DATAOPS_PG_* with")
    assert names, "the postgres target of profiles.yml reads no DATAOPS_PG_* variable"
    assert {n for n in common_env() if n.startswith("DATAOPS_PG_")} == names


# ---------------------------------------------------------------------------------------------------------
# Image
# ---------------------------------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, args = line.partition(" ")
            out.append((op.upper(), args.strip()))
    return out


def test_dockerfile_extends_the_airflow_image_pinned_in_requirements():
    instructions = dockerfile_instructions()
    froms = [args for op, args in instructions if op == "FROM"]
    assert len(froms) == 1
    image, _, tag = froms[0].partition(":")
    pinned = re.search(r"^apache-airflow==(\S+)$", (REPO / "requirements.txt").read_text(), re.MULTILINE)
    assert image == "apache/airflow" and pinned and tag.startswith(f"{pinned[1]}-python")
    python = re.search(r'requires-python\s*=\s*">=(\d+\.\d+)', (REPO / "pyproject.toml").read_text())
    assert python and tag == f"{pinned[1]}-python{python[1]}"


def test_dockerfile_installs_requirements_with_constraints_then_the_project_as_airflow_user():
    instructions = dockerfile_instructions()
    users = [i for i, (op, _) in enumerate(instructions) if op == "USER"]
    pips = [(i, shlex.split(args)) for i, (op, args) in enumerate(instructions)
            if op == "RUN" and "pip install" in args]
    assert users and instructions[users[-1]][1] == "airflow" and users[-1] < pips[0][0]
    deps = next(argv for _, argv in pips if "-r" in argv)
    assert Path(deps[deps.index("-r") + 1]).name == "requirements.txt"
    flag = "--constraint" if "--constraint" in deps else "-c"
    assert Path(deps[deps.index(flag) + 1]).name == "constraints.txt"
    project = next(argv for _, argv in pips if "--no-deps" in argv)
    assert "-e" in project or "." in project or "/opt/airflow" in project
    copied = {Path(src.rstrip("/")).name for op, args in instructions if op == "COPY"
              for src in [a for a in args.split() if not a.startswith("--")][:-1]}
    assert {"requirements.txt", "constraints.txt", "pyproject.toml", "include", "plugins", "dbt_project",
            "expectations"} <= copied
    for name in copied:
        assert (REPO / name).exists(), f"the Dockerfile copies {name}, which is not in the repository"


def test_compose_mounts_the_project_folders():
    mounts = {substitute(str(v)).split(":")[1] for v in compose()["x-airflow-common"]["volumes"]}
    for folder in ("dags", "plugins", "include", "dbt_project", "expectations"):
        assert f"/opt/airflow/{folder}" in mounts
        assert (REPO / folder).is_dir()
    assert common_env()["DBT_PROFILES_DIR"] in mounts
    assert common_env()["DATAOPS_REPORTS_DIR"] in mounts


@pytest.mark.parametrize("script", ["deploy/postgres-init/01-warehouse.sh", "deploy/minio/create-buckets.sh"])
def test_deploy_scripts_are_executable(script: str):
    assert os.access(REPO / script, os.X_OK)


def test_training_runs_in_the_project_image_through_docker():
    """The production stack switches the Innovation Pipeline's training step to DockerOperator."""
    import yaml

    compose = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
    env = compose["x-airflow-common"]["environment"]
    assert env["DATAOPS_TRAINING_RUNNER"] == "docker"
    assert env["DATAOPS_DOCKER_IMAGE"] == compose["x-airflow-common"]["image"]


# ---------------------------------------------------------------------------------------------------------
# Same names as the production stack run as local processes (`make prod-local`)
# ---------------------------------------------------------------------------------------------------------


def test_prod_local_sets_exactly_the_compose_variable_names(tmp_path):
    """`make prod-local` runs with the compose file's x-airflow-common names (values for this machine), so
    the two cannot drift apart: a variable added to one and not the other fails here."""
    from dataops.devstack.prod_local import ProdLocalSettings, local_env, prod_env

    s = ProdLocalSettings(state=tmp_path)
    names = set(prod_env(s))
    assert names == set(common_env())
    # Values that must keep the production meaning on this machine too.
    env = prod_env(s)
    assert env["AIRFLOW__CORE__EXECUTOR"] == common_env()["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert urlsplit(env["AIRFLOW__CELERY__BROKER_URL"]).scheme == "redis"
    assert env["DATAOPS_REPORTS_BUCKET"] == common_env()["DATAOPS_REPORTS_BUCKET"]  # reports served from S3
    assert urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).path != urlsplit(env["DATAOPS_WAREHOUSE_URL"]).path
    for conn in ("AIRFLOW_CONN_WAREHOUSE_DEFAULT", "AIRFLOW_CONN_REGISTRY_DEFAULT"):
        assert json.loads(env[conn])["conn_type"] == connection(conn)["conn_type"] == "postgres"
    # local_env() only says where things are on this machine: never a compose name.
    assert not set(local_env(s)) & set(common_env())


# ---------------------------------------------------------------------------------------------------------
# Secrets anywhere in the repository, and in the compose config as compose builds it
# ---------------------------------------------------------------------------------------------------------

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "AWS secret access key": re.compile(r"(?i)aws_secret_access_key\W{1,4}[A-Za-z0-9/+]{40}\b"),
}
URL_PASSWORD_RE = re.compile(r"[a-z][a-z0-9+.-]*://[^/@\s:\"'`]+:([^/@\s\"'`]+)@")
#: placeholders in documentation, never a password
DOC_PASSWORDS = {"pw", "password", "pass", "PASSWORD", "secret"}
#: literal passwords in tracked files, each with why it is no secret
KNOWN_LITERALS = {
    ("include/dataops/devstack/prod_local.py", "postgres"):
        "the machine's loopback PostgreSQL with trust authentication ignores it (dbt insists on one)",
}
CONFIG_SUFFIXES = (".yml", ".yaml", ".env", ".example", ".json", ".toml", ".ini", ".cfg", ".conf")
CONFIG_SECRET_RE = re.compile(
    r"""(?ix)^\s*["']?([A-Za-z0-9_]*(?:password|passwd|secret|token|fernet|api_key|private_key)[A-Za-z0-9_]*)["']?
        \s*[:=]\s*(.*)$""")
#: values a secret-named setting may have in a tracked config file
HARMLESS_VALUES = re.compile(r"^$|^change-me$|^\$\{[A-Z0-9_]+(:?[?-][^}]*)?\}$|^\{\{.*$|^/.*\.json$|^local-secret-key$")


def tracked_text_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    files = [REPO / name for name in out.decode().split("\0") if name]
    return [f for f in files if f.is_file() and b"\0" not in f.read_bytes()[:4096]]


def test_no_tracked_file_holds_a_secret():
    """Every file git tracks: no private key, cloud key or token; no password in a URL or a config file
    unless it is a ``${VAR}`` interpolation, a placeholder, or a known local-only literal."""
    files = tracked_text_files()
    assert len(files) > 100
    found = []
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        text = path.read_text(errors="replace")
        found += [f"{rel}: {name}" for name, pattern in SECRET_PATTERNS.items() if pattern.search(text)]
        for password in URL_PASSWORD_RE.findall(text):
            if not (password.startswith("${") or password.strip("[]:") in DOC_PASSWORDS
                    or (rel, password) in KNOWN_LITERALS):
                found.append(f"{rel}: a password in a URL ({password[:3]}...)")
        if rel.endswith(CONFIG_SUFFIXES) or Path(rel).name.startswith((".env", "Dockerfile")):
            for line in text.splitlines():
                m = CONFIG_SECRET_RE.match(line)
                if m and not HARMLESS_VALUES.match(m.group(2).strip().rstrip(",").strip("\"'")):
                    found.append(f"{rel}: {m.group(1)} has a literal value")
    assert found == []


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The patterns above catch the real thing (keys assembled here, so this file holds none)."""
    key = "AKIA" + "ABCDEFGHIJKLMNOP"
    pem = "-----BEGIN " + "RSA PRIVATE KEY-----"
    assert SECRET_PATTERNS["AWS access key id"].search(f"id = {key}")
    assert SECRET_PATTERNS["private key"].search(pem)
    assert URL_PASSWORD_RE.findall("postgresql://airflow:" + "hunter2@db:5432/x") == ["hunter2"]
    m = CONFIG_SECRET_RE.match("  POSTGRES_PASSWORD: hunter2")
    assert m and m.group(2) == "hunter2" and not HARMLESS_VALUES.match(m.group(2))
    assert HARMLESS_VALUES.match("${POSTGRES_PASSWORD:?set it in .env}")


def built_config(values: dict[str, str]) -> dict:
    """The compose file as ``docker compose config`` builds it: every ``${...}`` replaced by ``values``
    (``$$`` is a literal ``$``)."""
    def value(m: re.Match) -> str:
        return values.get(m["name"], m["arg"] if m["op"] in ("-", ":-") else "")

    text = COMPOSE.read_text()
    return yaml.safe_load("$".join(INTERPOLATION_RE.sub(value, part) for part in text.split("$$")))


def _markers_only(value: object, markers: set[str]) -> bool:
    """``value`` is made of env file markers only (and separators such as ``user:password``)."""
    rest = str(value)
    for marker in sorted(markers, key=len, reverse=True):
        rest = rest.replace(marker, "")
    return rest != str(value) and not re.search(r"[A-Za-z0-9]", rest)


def test_the_built_compose_config_takes_every_secret_from_the_env_file():
    """Built with a marker for each variable of the env file: every secret-named setting, connection login
    and password and URL password in the result is exactly a marker, i.e. came from the env file."""
    markers = {f"from-env-file-{name.lower()}" for name in env_example()}
    config = built_config({name: f"from-env-file-{name.lower()}" for name in env_example()})
    for text in all_strings(config):
        assert not [name for name, pattern in SECRET_PATTERNS.items() if pattern.search(text)], text[:60]
        for password in URL_PASSWORD_RE.findall(text):
            assert _markers_only(password, markers), f"a URL password not from the env file: {text[:60]}"
    envs = {"x-airflow-common": config["x-airflow-common"]["environment"],
            **{name: svc.get("environment", {}) for name, svc in config["services"].items()}}
    for where, env in envs.items():
        for key, value in env.items():
            assert not SECRET_KEY_RE.search(key) or _markers_only(value, markers), f"{where}.{key} not from .env"
            conn = json.loads(str(value)) if key.startswith("AIRFLOW_CONN_") else {}
            for field in ("login", "password"):
                assert field not in conn or _markers_only(conn[field], markers), f"{where}.{key}.{field}"

"""``python -m dataops.devstack up|down|demo|env|status``: run the embedded stack on this machine;
``python -m dataops.devstack prod-local up|down|status``: the production stack as local processes."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from dataops.devstack import processes
from dataops.devstack.settings import StackSettings, stack_env, write_env_file

#: Airflow's components, each a process of its own, in start order: the API server first, and the scheduler only
#: once it answers. (``airflow standalone`` started them all at once: after a crash the restarted scheduler retried
#: the dead tasks before the API server answered, and each try died unable to reach the execution API.)
AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
SERVICES = ("s3", "smtp", *AIRFLOW_COMPONENTS)
#: the single ``airflow standalone`` process of earlier versions (``make down`` still stops it)
LEGACY_SERVICES = ("airflow",)


def _env(settings: StackSettings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(stack_env(settings))
    # Airflow's components start `airflow ...` subprocesses (the task runners) found on PATH.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def start_services(settings: StackSettings, *, airflow: bool) -> dict[str, str]:
    """Start the S3 endpoint (kept on disk under ``settings.s3_dir``) and the SMTP sink (and Airflow's
    components when asked: the API server, then once it answers the scheduler, the DAG processor and the
    triggerer)."""
    env = _env(settings)
    for folder in (settings.airflow_home, settings.mail_dir, settings.s3_dir, settings.log_dir, settings.run_dir):
        folder.mkdir(parents=True, exist_ok=True)
    write_env_file(settings)
    py = sys.executable
    wanted = {
        "s3": ([py, "-m", "dataops.devstack.s3_server", "--port", str(settings.s3_port),
                "--dir", str(settings.s3_dir)], settings.s3_port, 60),
        "smtp": ([py, "-m", "dataops.devstack.smtp_sink", "--port", str(settings.smtp_port),
                  "--dir", str(settings.mail_dir)], settings.smtp_port, 30),
    }
    if airflow:
        airflow_cli = os.path.join(os.path.dirname(py), "airflow")
        for component in AIRFLOW_COMPONENTS:
            wanted[component] = ([airflow_cli, component], settings.api_port if component == "api-server" else None,
                                 240)
    if airflow and any(processes.running(name, settings.run_dir) for name in LEGACY_SERVICES):
        raise SystemExit("an `airflow standalone` started by an earlier version is still running: "
                         "stop it with `make down`, then start again")
    for name, (cmd, port, timeout) in wanted.items():
        if processes.running(name, settings.run_dir):
            if port is not None:  # started a moment ago (an interrupted `make up`): let it answer first
                processes.wait_for_port(port, timeout, name, settings.log_dir / f"{name}.log")
            continue
        if port is not None and processes.port_open(port):
            variable = "DATAOPS_API_PORT" if name == "api-server" else f"DATAOPS_{name.upper()}_PORT"
            raise SystemExit(f"port {port} for {name} is taken by another program; set {variable}")
        processes.start(name, cmd, env, settings.run_dir, settings.log_dir)
        if port is not None:
            processes.wait_for_port(port, timeout, name, settings.log_dir / f"{name}.log")
    return env


def stop_services(settings: StackSettings) -> None:
    for name in (*LEGACY_SERVICES, *reversed(SERVICES)):
        if processes.stop(name, settings.run_dir):
            print(f"stopped {name}")


def migrate(env: dict[str, str]) -> None:
    """Create or upgrade the metadata database, and the pool that serialises warehouse writes."""
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    # DuckDB allows one writer: every warehouse-writing task runs in this 1-slot pool, so backfills queue.
    subprocess.run([airflow, "pools", "set", "warehouse", "1", "warehouse writes (DuckDB: one writer)"],
                   env=env, check=True, stdout=subprocess.DEVNULL)


def admin_password(settings: StackSettings, wait: float = 30.0) -> str:
    path = settings.airflow_home / "passwords.json"
    deadline = time.monotonic() + wait
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    if not path.exists():
        return f"(not generated yet: see {path})"
    return json.loads(path.read_text()).get("admin", "?")


def where_to_look(settings: StackSettings, ui_running: bool) -> str:
    ui = f"Airflow UI:   {settings.ui_url}  (user admin, password {admin_password(settings)})"
    if not ui_running:
        ui = f"Airflow UI:   run `make up`, then open {settings.ui_url} (user admin; `make up` prints the password)"
    return "\n".join([
        ui,
        f"Mail folder:  {settings.mail_dir}  (every alert email as an .eml file)",
        f"Warehouse:    {settings.warehouse_path}  (DuckDB)",
        f"S3 endpoint:  {settings.s3_endpoint}  (buckets landing, models; objects kept in {settings.s3_dir})",
        f"Shell env:    source {settings.state / 'stack.env'}  (to use the airflow CLI)",
    ])


def prod_local_main(action: str) -> int:
    """``make prod-local`` / ``make prod-local-down``: see :mod:`dataops.devstack.prod_local`."""
    from dataops.devstack import prod_local

    s = prod_local.ProdLocalSettings()
    if action == "up":
        prod_local.up(s)
        print("The production stack runs as local processes (CeleryExecutor, PostgreSQL, Redis).")
        print(f"Airflow UI:  {s.ui_url}  (user admin, password {admin_password(s)})")
        print(f"Databases:   {s.db_url(s.metadata_db)} (metadata), {s.db_url(s.warehouse_db)} (warehouse)")
        print(f"Logs:        {s.log_dir};  mail: {s.mail_dir}.  Stop it with `make prod-local-down`.")
    elif action == "down":
        for name in prod_local.down(s):
            print(f"stopped {name}")
    else:
        for name, alive in prod_local.status(s).items():
            print(f"{name:14s} {'running' if alive else 'stopped'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dataops.devstack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "demo", "env", "status", "prod-local"])
    parser.add_argument("action", nargs="?", choices=["up", "down", "status"], default="status",
                        help="prod-local only")
    args = parser.parse_args(argv)
    if args.command == "prod-local":
        return prod_local_main(args.action)
    settings = StackSettings.from_env()

    if args.command == "env":
        print(write_env_file(settings))
    elif args.command == "status":
        for name in (*SERVICES, *(n for n in LEGACY_SERVICES if processes.running(n, settings.run_dir))):
            print(f"{name:14s} {'running' if processes.running(name, settings.run_dir) else 'stopped'}")
    elif args.command == "down":
        stop_services(settings)
    elif args.command == "up":
        env = start_services(settings, airflow=False)
        migrate(env)
        start_services(settings, airflow=True)
        print("The embedded stack is up.\n" + where_to_look(settings, ui_running=True))
        print("Stop it with `make down`.")
    elif args.command == "demo":
        was_up = processes.running("s3", settings.run_dir)
        env = start_services(settings, airflow=False)
        try:
            migrate(env)
            result = subprocess.run([sys.executable, "-m", "dataops.devstack.demo"], env=env, cwd=settings.repo)
        finally:
            if not was_up:
                stop_services(settings)
        if result.returncode != 0:
            print("The demo failed: see the output above.", file=sys.stderr)
            return result.returncode
        print("\nThe demo finished. Where to look:\n" + where_to_look(settings, ui_running=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

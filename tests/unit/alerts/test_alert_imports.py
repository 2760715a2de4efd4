"""Import hygiene: the core alert package never pulls in Airflow; the plugin layer stays light at import."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    code = f"import sys\n{statement}\nprint(','.join(m for m in {modules!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "include"), str(REPO / "plugins")])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_core_alerts_do_not_import_airflow_or_heavy_modules():
    assert loaded_after("import dataops.alerts", ("airflow", "matplotlib", "duckdb")) == []


def test_notifiers_import_no_heavy_modules():
    assert loaded_after("import dataops_airflow.notifiers", ("matplotlib", "duckdb", "pandas")) == []

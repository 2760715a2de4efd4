"""Import hygiene: the view's core never pulls in Airflow; the plugin module (loaded by every Airflow process)
does not load the core's heavy modules until a page is asked for."""

from __future__ import annotations

from tests.unit.alerts.test_alert_imports import loaded_after


def test_the_overview_core_does_not_import_airflow():
    assert loaded_after("import dataops.overview", ("airflow", "fastapi", "jinja2")) == []


def test_the_plugin_loads_the_view_without_its_heavy_modules():
    heavy = ("numpy", "pandas", "duckdb", "scipy", "dataops.overview", "dataops.spc")
    assert loaded_after("import dataops_plugin", heavy) == []
    assert "dataops_airflow.ui.view.routes" in loaded_after("import dataops_plugin", ("dataops_airflow.ui.view.routes",))

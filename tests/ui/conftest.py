"""The ``/dataops`` reports app with Airflow's real auth manager (SimpleAuthManager) and its real tokens."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def auth_manager(airflow_db):
    """The configured auth manager, initialised as the API server does (token checks read the metadata DB)."""
    from airflow.api_fastapi.app import create_auth_manager

    manager = create_auth_manager()
    manager.init()
    return manager


@pytest.fixture
def token(auth_manager):
    """A JWT as the UI's login issues it (``SimpleAuthManager`` signs the user it just authenticated)."""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return auth_manager.generate_jwt(SimpleAuthManagerUser(username="ana", role="viewer"))


@pytest.fixture
def reports(tmp_path, monkeypatch):
    """A reports folder with a Data Docs-like page, and a secret file next to (outside) it."""
    folder = tmp_path / "reports"
    page = folder / "data_docs" / "validations" / "transactions_spc" / "run-1" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html><head><title>Validation run-1</title></head><body><table><tr><td>row_count</td>"
                    "</tr></table></body></html>")
    (tmp_path / "secret.txt").write_text("top secret")
    monkeypatch.setenv("DATAOPS_REPORTS_DIR", str(folder))
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://ui.example:8080")
    return folder

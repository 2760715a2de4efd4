"""One settings module: names, defaults, the URL builder, and the README table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from dataops import settings
from dataops.warehouse import WarehouseLocation

REPO = Path(__file__).resolve().parents[2]
HARD_PASSWORD = "p@ss:w/rd%#? with spaces"
#: ``${...}`` substitutions of the GX project's config, set by the code that runs GX (not user settings)
GX_SUBSTITUTIONS = {"DATAOPS_GX_WAREHOUSE_URL", "DATAOPS_GX_DATA_DOCS_DIR"}


def test_get_uses_the_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("DATAOPS_LANDING_BUCKET", raising=False)
    assert settings.get("DATAOPS_LANDING_BUCKET") == "landing"
    monkeypatch.setenv("DATAOPS_LANDING_BUCKET", "")
    assert settings.landing_bucket() == "landing"
    monkeypatch.setenv("DATAOPS_LANDING_BUCKET", "drop-zone")
    assert settings.landing_bucket() == "drop-zone"
    assert settings.landing_bucket("explicit") == "explicit"


def test_unknown_setting_is_an_error():
    with pytest.raises(KeyError):
        settings.get("DATAOPS_NO_SUCH_THING")


def test_require_names_the_missing_variable(monkeypatch):
    monkeypatch.delenv("DATAOPS_WAREHOUSE_PATH", raising=False)
    with pytest.raises(RuntimeError, match="DATAOPS_WAREHOUSE_PATH"):
        settings.require("DATAOPS_WAREHOUSE_PATH")


def test_database_url_escapes_user_and_password():
    url = settings.database_url("postgres", host="db.example", port=6543, user="ana@corp", password=HARD_PASSWORD,
                                database="ware house")
    parsed = sa.engine.make_url(url)
    assert (parsed.username, parsed.password) == ("ana@corp", HARD_PASSWORD)
    assert (parsed.host, parsed.port, parsed.database) == ("db.example", 6543, "ware house")


def test_location_round_trips_through_its_url():
    loc = WarehouseLocation(kind="postgres", host="h", port=5433, user="u:1", password=HARD_PASSWORD, database="w")
    assert WarehouseLocation.from_url(loc.sqlalchemy_url) == loc
    duck = WarehouseLocation.duckdb("/tmp/some where/w.duckdb")
    assert WarehouseLocation.from_url(duck.sqlalchemy_url) == duck


def test_a_password_with_special_characters_connects(pg_server, pg_database):
    """A real login with such a password, through the URL builder (user created for the test)."""
    import uuid

    role = f"dataops_pw_{uuid.uuid4().hex[:8]}"
    quoted = HARD_PASSWORD.replace("'", "''")
    with pg_server.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{quoted}'"))
    try:
        loc = WarehouseLocation(kind="postgres", host=pg_database.host, port=pg_database.port, user=role,
                                password=HARD_PASSWORD, database=pg_database.database)
        engine = loc.engine(poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_user")).scalar_one() == role
        engine.dispose()
    finally:
        with pg_server.connect() as conn:
            conn.execute(sa.text(f"DROP ROLE IF EXISTS {role}"))


def test_readme_settings_table_is_generated():
    readme = (REPO / "README.md").read_text()
    assert "<!-- settings:begin -->" in readme
    assert settings.readme_with_table(readme) == readme, "run: python -m dataops.settings README.md"


def test_no_module_reads_dataops_variables_directly():
    """Every DATAOPS_* variable is read through the settings module (tests and the module itself excepted)."""
    pattern = re.compile(r"os\.environ(?:\.get)?\(?\[?\s*[\"']DATAOPS_|getenv\(\s*[\"']DATAOPS_")
    offenders = []
    for folder in ("include", "plugins", "dags", "scripts"):
        for path in (REPO / folder).rglob("*.py"):
            if path.name == "settings.py" and path.parent.name == "dataops":
                continue
            text = "\n".join(line for line in path.read_text().splitlines()
                             if not any(v in line for v in GX_SUBSTITUTIONS))
            if pattern.search(text):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_every_dataops_variable_in_code_is_a_named_setting():
    names = set()
    for folder in ("include", "plugins", "dags", "scripts"):
        for path in (REPO / folder).rglob("*.py"):
            names |= set(re.findall(r"[\"'](DATAOPS_[A-Z0-9_]+)[\"']", path.read_text()))
    assert names - GX_SUBSTITUTIONS - set(settings.SETTINGS) == set()


def test_the_retry_delay_is_the_pipeline_s_own_unless_the_environment_sets_one(monkeypatch):
    from datetime import timedelta

    monkeypatch.delenv("DATAOPS_RETRY_DELAY", raising=False)
    assert settings.retry_delay(timedelta(minutes=2)) == timedelta(minutes=2)
    monkeypatch.setenv("DATAOPS_RETRY_DELAY", "3")
    assert settings.retry_delay(timedelta(minutes=2)) == timedelta(seconds=3)

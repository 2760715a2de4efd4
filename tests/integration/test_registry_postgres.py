"""Registry on PostgreSQL: idempotent tables, verified load, and racing alias moves (threads, connections).

Uses ``DATAOPS_TEST_PG_URL`` (default ``postgresql+psycopg2://postgres@127.0.0.1:5432/test``) and a schema
unique to the test. When ``CI=true`` an unreachable server fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import date

import boto3
import duckdb
import numpy as np
import pytest
import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from dataops.datasets import load_dataset
from dataops.registry import ConcurrentAliasUpdate, ModelRegistry
from dataops.training import build_artifacts, build_training_set, train_model
from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse

pytestmark = pytest.mark.postgres

PG_URL = os.environ.get("DATAOPS_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
DUMMY = {"model.txt": b"tree\n", "features.json": b"{}"}  # enough for alias tests (never loaded)


@pytest.fixture(scope="module")
def pg_engine():
    engine = sa.create_engine(PG_URL, pool_size=12, max_overflow=4)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable and CI=true: {exc}")
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable: {exc}")
    yield engine
    engine.dispose()


@pytest.fixture
def schema(pg_engine):
    name = f"registry_test_{uuid.uuid4().hex[:10]}"
    yield name
    with pg_engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


@pytest.fixture(scope="module")
def s3():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    server.stop()


@pytest.fixture
def reg(pg_engine, s3, schema):
    registry = ModelRegistry(pg_engine, s3, bucket=f"models-{uuid.uuid4().hex[:10]}", schema=schema)
    for _ in range(8):
        registry.register(DUMMY)
    return registry


def _race(reg, versions, expected, action="promote"):
    """Start one thread per version, all released together; return version -> 'won'|'lost'."""
    barrier = threading.Barrier(len(versions))
    outcome: dict[str, str] = {}

    def attempt(version):
        barrier.wait()
        try:
            if action == "promote":
                reg.promote(version, actor=f"w-{version}", reason="race", expected_version=expected)
            else:
                reg.rollback("champion", actor=f"w-{version}", reason="race", expected_version=expected)
            outcome[version] = "won"
        except ConcurrentAliasUpdate:
            outcome[version] = "lost"

    threads = [threading.Thread(target=attempt, args=(v,)) for v in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcome


def test_tables_are_created_once_in_the_schema(pg_engine, s3, schema):
    ModelRegistry(pg_engine, s3, schema=schema)
    ModelRegistry(pg_engine, s3, schema=schema).create_tables()
    names = set(sa.inspect(pg_engine).get_table_names(schema=schema))
    assert names == {"model_versions", "model_artifacts", "model_aliases", "alias_history", "decisions"}


def test_register_load_roundtrip_on_postgres(pg_engine, s3, schema, tmp_path):
    cfg = load_dataset("transactions")
    frame, fraud = make_feature_rows(6_000, date(2026, 1, 1), 60, seed=4, fraud_shift=0.5)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_warehouse(con, frame, make_chargebacks(frame, fraud, seed=4))
    ts = build_training_set(con, date(2026, 3, 31), 25, 10, 10, cfg)
    con.close()
    trained = train_model(ts.train, ts.valid, cfg, {"num_leaves": 7, "learning_rate": 0.3},
                          {"num_boost_round": 20, "early_stopping_rounds": 5})
    reg = ModelRegistry(pg_engine, s3, bucket=f"models-{uuid.uuid4().hex[:10]}", schema=schema)
    version = reg.register(build_artifacts(trained, ts))
    reg.promote(version, actor="ci", reason="first")
    model = reg.load("champion")
    np.testing.assert_array_equal(model.predict_proba(ts.holdout), trained.predict_proba(ts.holdout))
    reg.record_decision(challenger_version=version, champion_version=None, promote=True, reasons=["ok"],
                        actor="ci", delta=float("nan"))
    assert reg.decisions()[0]["delta"] is None


def test_promotion_blocked_behind_a_row_lock_fails_once_the_first_commits(reg, pg_engine, schema):
    """Two promotions queue behind an in-flight move (a held row lock); when it is released one wins and
    the other fails cleanly, because it re-reads the row under FOR UPDATE and sees the change."""
    reg.promote("v1", actor="setup", reason="start")
    outcome: dict[str, str] = {}
    runner = threading.Thread(target=lambda: outcome.update(_race(reg, ["v2", "v3"], "v1")))
    waiting = -1
    holder = pg_engine.connect()
    try:
        tx = holder.begin()
        holder.execute(sa.text(f"SELECT version FROM {schema}.model_aliases WHERE alias = 'champion' FOR UPDATE"))
        runner.start()
        deadline = time.monotonic() + 30
        with pg_engine.connect() as probe:
            while time.monotonic() < deadline:
                waiting = probe.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database() AND query LIKE :q"),
                    {"q": f"%{schema}.model_aliases%"}).scalar()
                probe.rollback()  # a fresh snapshot of pg_stat_activity on every poll
                if waiting == 2:
                    break
                time.sleep(0.05)
        tx.rollback()  # the in-flight move gives up: the queued promotions proceed
    finally:
        holder.close()  # never leave the lock behind, whatever happened above
        if runner.ident is not None:  # started
            runner.join(60)
    assert waiting == 2, "both promotions should have been blocked on the alias row lock"

    winners = [v for v, o in outcome.items() if o == "won"]
    assert sorted(outcome) == ["v2", "v3"] and len(winners) == 1
    assert reg.get_alias_version("champion") == winners[0]
    hist = reg.history("champion")
    assert [(h["revision"], h["from_version"], h["to_version"]) for h in hist] == [
        (1, None, "v1"), (2, "v1", winners[0])]


def test_many_racing_promotions_exactly_one_wins(reg):
    reg.promote("v1", actor="setup", reason="start")
    outcome = _race(reg, ["v2", "v3", "v4", "v5", "v6", "v7", "v8"], "v1")
    winners = [v for v, o in outcome.items() if o == "won"]
    assert len(outcome) == 7 and len(winners) == 1
    assert reg.get_alias_version("champion") == winners[0]
    assert len(reg.history("champion")) == 2


def test_racing_first_promotions_exactly_one_wins(reg):
    outcome = _race(reg, ["v1", "v2", "v3", "v4"], None)
    winners = [v for v, o in outcome.items() if o == "won"]
    assert len(winners) == 1 and reg.get_alias_version("champion") == winners[0]
    assert [h["to_version"] for h in reg.history("champion")] == winners


def test_unconditional_moves_serialise_into_a_consistent_history(reg):
    reg.promote("v1", actor="setup", reason="start")
    from dataops.registry import ANY

    outcome = _race(reg, ["v2", "v3", "v4", "v5"], ANY)
    assert set(outcome.values()) == {"won"}
    hist = reg.history("champion")
    assert [h["revision"] for h in hist] == [1, 2, 3, 4, 5]
    # every move starts where the previous one ended: no lost update
    assert all(hist[i]["from_version"] == hist[i - 1]["to_version"] for i in range(1, len(hist)))
    assert reg.get_alias_version("champion") == hist[-1]["to_version"]


def test_racing_rollbacks_step_back_once(reg):
    for v in ("v1", "v2", "v3"):
        reg.promote(v, actor="setup", reason=v)
    outcome = _race(reg, ["op-a", "op-b"], "v3", action="rollback")
    assert sorted(outcome.values()) == ["lost", "won"]
    assert reg.get_alias_version("champion") == "v2"
    assert [h["action"] for h in reg.history("champion")] == ["promote", "promote", "promote", "rollback"]


def test_concurrent_first_use_creates_the_tables_once(pg_engine, s3, schema):
    """Parallel tasks each building a registry on a fresh schema must not trip over each other."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def build():
        barrier.wait()
        try:
            ModelRegistry(pg_engine, s3, schema=schema)
        except BaseException as exc:  # noqa: BLE001 (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(sa.inspect(pg_engine).get_table_names(schema=schema)) == 5

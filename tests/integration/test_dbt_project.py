"""Integration tests of the dbt project (dbt_project/) on a real DuckDB file and on PostgreSQL.

Raw tables are filled with a small hand-made history (5 customers, 3 terminals, 35 days, three
frauds whose chargebacks land at chosen instants), then the real `dbt build` runs in a subprocess
with the venv's dbt. The feature table is checked against hand-computed values and against a
brute-force Python evaluation of the documented feature definitions; an incremental rerun of one
batch_date must leave every table unchanged, and a re-ingested batch must replace exactly its rows.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"

FIRST_DAY = date(2026, 2, 1)
N_DAYS = 35
LAST_DAY = FIRST_DAY + timedelta(days=N_DAYS - 1)  # 2026-03-07, the batch rebuilt incrementally
SECS_CAP = 30 * 86400

FEATURE_COLUMNS = [
    "tx_id", "batch_date", "tx_ts", "customer_id", "terminal_id", "channel", "mcc", "country",
    "amount", "log_amount", "tx_hour", "tx_dow", "is_night", "is_weekend",
    "cust_tx_count_1d", "cust_tx_count_7d", "cust_tx_count_30d", "cust_amount_avg_7d",
    "cust_amount_avg_30d", "amount_to_cust_avg_30d", "secs_since_last_cust_tx",
    "cust_country_count_30d", "term_tx_count_1d", "term_tx_count_7d", "term_tx_count_30d",
    "term_fraud_count_30d", "term_risk_30d",
]  # fmt: skip

INCREMENTAL_MODELS = [
    ("marts", "fct_transactions"), ("marts", "fct_transaction_features"),
    ("intermediate", "int_customer_windows"), ("intermediate", "int_terminal_windows"),
    ("intermediate", "int_terminal_risk"),
]  # fmt: skip

RAW_DDL = [
    """create table {raw}.transactions (
        tx_id varchar, tx_ts timestamp, customer_id varchar, terminal_id varchar,
        amount double precision, mcc varchar, channel varchar, country varchar, currency varchar,
        batch_date date, source_file varchar, source_line integer, ingest_version integer,
        loaded_at timestamp)""",
    """create table {raw}.chargebacks (
        tx_id varchar, tx_ts timestamp, reported_at timestamp, reason_code varchar,
        batch_date date, source_file varchar, source_line integer, ingest_version integer,
        loaded_at timestamp)""",
]


# --------------------------------------------------------------------------- hand-made raw data


@dataclass(frozen=True)
class Tx:
    """One raw transaction of the hand-made history."""

    tx_id: str
    tx_ts: datetime
    customer_id: str
    terminal_id: str
    amount: float
    channel: str
    country: str
    mcc: str = "5411"
    currency: str = "EUR"

    @property
    def batch_date(self) -> date:
        """:return: the landing day (the day of tx_ts, as the ingest writes it)."""
        return self.tx_ts.date()


@dataclass(frozen=True)
class Chargeback:
    """One raw chargeback (fraud label) reported at a chosen instant."""

    tx_id: str
    tx_ts: datetime
    reported_at: datetime
    reason_code: str = "10.4"


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """:param day: day offset from FIRST_DAY.  :return: the timestamp of that day and time."""
    return datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time()) + timedelta(
        hours=hour, minutes=minute, seconds=second
    )


def build_history() -> tuple[list[Tx], list[Chargeback], dict[str, str]]:
    """Build the small history.

    C0000001 pays every day at 10:00 at T000001 in FR, and on the last day also at 10:30 in DE
    (ecom, T000002). C0000002 pays every third day at 14:00 at T000002, alternating FR/ES, and
    twice at 14:00 on day 30.
    C0000003 pays on days 0 and 1, then only on the last day (gap > 30 days). C0000004 pays every
    second day at 02:00 at T000003. C0000005 is a victim card with three frauds at T000003
    (days 2, 20 and 25); their chargebacks are reported on day 10, one second before the last
    day starts, and exactly at the start of the last day.

    :return: transactions, chargebacks and named transaction ids used by the assertions.
    """
    rows: list[tuple[datetime, str, str, float, str, str]] = []
    for day in range(N_DAYS):
        rows.append((_at(day, 10), "C0000001", "T000001", 20.0 + day, "pos", "FR"))
        if day % 3 == 0:
            rows.append(
                (_at(day, 14), "C0000002", "T000002", 55.5 + 2 * day, "pos", "FR" if day % 2 else "ES")
            )
        if day % 2 == 0:
            rows.append((_at(day, 2, 15), "C0000004", "T000003", 9.99 + day / 4, "atm", "FR"))
    # Two payments of C0000002 at the same instant: both are in each other's windows.
    rows.append((_at(30, 14), "C0000002", "T000001", 8.25, "pos", "FR"))
    last = N_DAYS - 1
    rows += [
        (_at(last, 10, 30), "C0000001", "T000002", 180.25, "ecom", "DE"),
        (_at(0, 8), "C0000003", "T000001", 12.0, "pos", "IT"),
        (_at(1, 8), "C0000003", "T000002", 13.0, "pos", "IT"),
        (_at(last, 8, 0, 7), "C0000003", "T000001", 14.0, "pos", "IT"),
        (_at(2, 13), "C0000005", "T000003", 300.0, "ecom", "US"),
        (_at(20, 13), "C0000005", "T000003", 450.0, "ecom", "US"),
        (_at(25, 13), "C0000005", "T000003", 275.0, "ecom", "GB"),
    ]
    rows.sort()
    txs: list[Tx] = []
    seq_per_day: dict[date, int] = {}
    for ts, customer, terminal, amount, channel, country in rows:
        seq = seq_per_day.get(ts.date(), 0) + 1
        seq_per_day[ts.date()] = seq
        tx_id = f"{ts:%Y%m%d}-{seq:08d}"
        txs.append(Tx(tx_id, ts, customer, terminal, round(amount, 2), channel, country))

    def find(customer: str, ts: datetime) -> Tx:
        return next(t for t in txs if t.customer_id == customer and t.tx_ts == ts)

    fraud_old, fraud_known, fraud_same_day = (find("C0000005", _at(d, 13)) for d in (2, 20, 25))
    chargebacks = [
        Chargeback(fraud_old.tx_id, fraud_old.tx_ts, _at(10, 9)),
        Chargeback(fraud_known.tx_id, fraud_known.tx_ts, _at(last, 0) - timedelta(seconds=1)),
        Chargeback(fraud_same_day.tx_id, fraud_same_day.tx_ts, _at(last, 0)),
    ]
    named = {
        "c1_ecom_last_day": find("C0000001", _at(last, 10, 30)).tx_id,
        "c1_pos_last_day": find("C0000001", _at(last, 10)).tx_id,
        "c3_last_day": find("C0000003", _at(last, 8, 0, 7)).tx_id,
        "c4_last_day": find("C0000004", _at(last, 2, 15)).tx_id,
        "c4_day_12": find("C0000004", _at(12, 2, 15)).tx_id,
    }
    return txs, chargebacks, named


def raw_rows(txs: list[Tx], chargebacks: list[Chargeback]) -> tuple[list[tuple], list[tuple]]:
    """:return: rows for raw.transactions and raw.chargebacks in contract column order."""
    loaded_at = datetime(2026, 3, 8, 1, 0)
    tx_rows = [
        (t.tx_id, t.tx_ts, t.customer_id, t.terminal_id, t.amount, t.mcc, t.channel, t.country,
         t.currency, t.batch_date, f"transactions/batch_date={t.batch_date}/part-00000.csv.gz",
         i + 2, 1, loaded_at)
        for i, t in enumerate(txs)
    ]  # fmt: skip
    cb_rows = [
        (c.tx_id, c.tx_ts, c.reported_at, c.reason_code, c.reported_at.date(),
         f"chargebacks/batch_date={c.reported_at.date()}/part-00000.csv.gz", i + 2, 1, loaded_at)
        for i, c in enumerate(chargebacks)
    ]  # fmt: skip
    return tx_rows, cb_rows


# ------------------------------------------------------- reference evaluation of the definitions


def expected_features(txs: list[Tx], chargebacks: list[Chargeback]) -> dict[str, dict[str, Any]]:
    """Evaluate every feature by brute force, straight from the documented definitions.

    A window of N days for transaction t holds the transactions with tx_ts in
    [t.tx_ts - N days, t.tx_ts] (t included). The previous transaction is the latest one strictly
    before t.tx_ts. Terminal frauds count only chargebacks reported before the start of t's
    batch_date.

    :param txs: all transactions.
    :param chargebacks: all chargebacks.
    :return: feature row per tx_id.
    """
    first_report: dict[str, datetime] = {}
    for cb in chargebacks:
        first_report[cb.tx_id] = min(cb.reported_at, first_report.get(cb.tx_id, cb.reported_at))
    result: dict[str, dict[str, Any]] = {}
    for t in txs:

        def window(days: int, same: Callable[[Tx], bool], t: Tx = t) -> list[Tx]:
            return [u for u in txs if same(u) and t.tx_ts - timedelta(days=days) <= u.tx_ts <= t.tx_ts]

        cust = {d: window(d, lambda u, t=t: u.customer_id == t.customer_id) for d in (1, 7, 30)}
        term = {d: window(d, lambda u, t=t: u.terminal_id == t.terminal_id) for d in (1, 7, 30)}
        earlier = [u.tx_ts for u in txs if u.customer_id == t.customer_id and u.tx_ts < t.tx_ts]
        secs = min((t.tx_ts - max(earlier)).total_seconds(), SECS_CAP) if earlier else SECS_CAP
        batch_start = datetime.combine(t.batch_date, datetime.min.time())
        frauds = [u for u in term[30] if u.tx_id in first_report and first_report[u.tx_id] < batch_start]
        avg_30d = sum(u.amount for u in cust[30]) / len(cust[30])
        result[t.tx_id] = {
            "tx_id": t.tx_id, "batch_date": t.batch_date, "tx_ts": t.tx_ts,
            "customer_id": t.customer_id, "terminal_id": t.terminal_id, "channel": t.channel,
            "mcc": t.mcc, "country": t.country, "amount": t.amount,
            "log_amount": math.log1p(t.amount), "tx_hour": t.tx_ts.hour,
            "tx_dow": t.tx_ts.weekday(), "is_night": int(t.tx_ts.hour < 6),
            "is_weekend": int(t.tx_ts.weekday() >= 5),
            "cust_tx_count_1d": len(cust[1]), "cust_tx_count_7d": len(cust[7]),
            "cust_tx_count_30d": len(cust[30]),
            "cust_amount_avg_7d": sum(u.amount for u in cust[7]) / len(cust[7]),
            "cust_amount_avg_30d": avg_30d, "amount_to_cust_avg_30d": t.amount / avg_30d,
            "secs_since_last_cust_tx": secs,
            "cust_country_count_30d": len({u.country for u in cust[30]}),
            "term_tx_count_1d": len(term[1]), "term_tx_count_7d": len(term[7]),
            "term_tx_count_30d": len(term[30]), "term_fraud_count_30d": len(frauds),
            "term_risk_30d": len(frauds) / len(term[30]),
        }  # fmt: skip
    return result


# ------------------------------------------------------------------------------ warehouses


class Warehouse:
    """A warehouse the dbt project builds into: raw tables, dbt environment, queries."""

    target: str
    prefix: str

    def execute(self, sql: str, rows: list[tuple] | None = None) -> None:
        """Run a statement (once per row when rows are given) and commit."""
        raise NotImplementedError

    def query(self, sql: str) -> list[tuple]:
        """:return: all rows of a query."""
        raise NotImplementedError

    def dbt_env(self) -> dict[str, str]:
        """:return: environment variables selecting this warehouse for dbt."""
        raise NotImplementedError

    def schema(self, name: str) -> str:
        """:return: the schema holding layer `name` (raw, staging, intermediate, marts)."""
        return f"{self.prefix}{name}"

    def create_raw(self) -> None:
        """Create the raw schema and the empty raw tables of the data contract."""
        raw = self.schema("raw")
        self.execute(f"create schema {raw}")
        for ddl in RAW_DDL:
            self.execute(ddl.format(raw=raw))

    def insert_raw(self, tx_rows: list[tuple], cb_rows: list[tuple]) -> None:
        """Append rows to raw.transactions and raw.chargebacks."""
        raw = self.schema("raw")
        if tx_rows:
            self.execute(f"insert into {raw}.transactions values ({', '.join(['%s'] * 14)})", tx_rows)
        if cb_rows:
            self.execute(f"insert into {raw}.chargebacks values ({', '.join(['%s'] * 9)})", cb_rows)

    def table(self, schema: str, table: str, order_by: str = "tx_id") -> list[tuple]:
        """:return: every row of a dbt relation, ordered."""
        return self.query(f"select * from {self.schema(schema)}.{table} order by {order_by}")

    def columns(self, schema: str, table: str) -> list[str]:
        """:return: the column names of a relation in ordinal order."""
        rows = self.query(
            "select column_name from information_schema.columns "
            f"where table_schema = '{self.schema(schema)}' and table_name = '{table}' "
            "order by ordinal_position"
        )
        return [r[0] for r in rows]


class DuckDBWarehouse(Warehouse):
    """A DuckDB file; connections are short-lived so the dbt subprocess can open the file."""

    target = "duckdb"
    prefix = ""

    def __init__(self, path: Path) -> None:
        """:param path: the DuckDB database file."""
        self.path = path

    def execute(self, sql: str, rows: list[tuple] | None = None) -> None:
        import duckdb

        with duckdb.connect(str(self.path)) as con:
            if rows is None:
                con.execute(sql)
            else:
                con.executemany(sql.replace("%s", "?"), rows)

    def query(self, sql: str) -> list[tuple]:
        import duckdb

        with duckdb.connect(str(self.path)) as con:
            return con.execute(sql).fetchall()

    def dbt_env(self) -> dict[str, str]:
        return {"DATAOPS_WAREHOUSE_PATH": str(self.path), "DATAOPS_SCHEMA_PREFIX": ""}


class PostgresWarehouse(Warehouse):
    """Schemas with a unique prefix in the PostgreSQL test database."""

    target = "postgres"

    def __init__(self, connection: Any, dsn: dict[str, str]) -> None:
        """:param connection: an open psycopg2 connection.  :param dsn: its host/port/user/dbname."""
        self.connection = connection
        self.dsn = dsn
        self.prefix = f"t{uuid.uuid4().hex[:10]}_"

    def execute(self, sql: str, rows: list[tuple] | None = None) -> None:
        with self.connection.cursor() as cur:
            if rows is None:
                cur.execute(sql)
            else:
                cur.executemany(sql, rows)
        self.connection.commit()

    def query(self, sql: str) -> list[tuple]:
        with self.connection.cursor() as cur:
            cur.execute(sql)
            rows = cur.fetchall()
        self.connection.commit()
        return rows

    def dbt_env(self) -> dict[str, str]:
        return {
            "DATAOPS_PG_HOST": self.dsn["host"], "DATAOPS_PG_PORT": self.dsn["port"],
            "DATAOPS_PG_USER": self.dsn["user"], "DATAOPS_PG_PASSWORD": "",
            "DATAOPS_PG_DBNAME": self.dsn["dbname"], "DATAOPS_PG_SCHEMA": self.schema("public"),
            "DATAOPS_SCHEMA_PREFIX": self.prefix,
        }  # fmt: skip

    def drop_schemas(self) -> None:
        """Drop every schema carrying this run's prefix."""
        names = [r[0] for r in self.query("select schema_name from information_schema.schemata")]
        for name in names:
            if name.startswith(self.prefix):
                self.execute(f'drop schema "{name}" cascade')


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> DuckDBWarehouse:
    """:return: an empty DuckDB warehouse file in tmp_path."""
    return DuckDBWarehouse(tmp_path / "warehouse.duckdb")


@pytest.fixture
def postgres_warehouse() -> Iterator[PostgresWarehouse]:
    """A prefixed set of schemas in the `test` database, dropped afterwards.

    Skips when PostgreSQL is unreachable, except under CI=true where it fails.
    """
    import psycopg2

    dsn = {"host": "127.0.0.1", "port": "5432", "user": "postgres", "dbname": "test"}
    try:
        connection = psycopg2.connect(connect_timeout=5, **dsn)
    except psycopg2.OperationalError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is required under CI: {exc}")
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 unreachable: {exc}")
    warehouse = PostgresWarehouse(connection, dsn)
    try:
        yield warehouse
    finally:
        connection.rollback()
        warehouse.drop_schemas()
        connection.close()


# ------------------------------------------------------------------------------ dbt runner


def run_dbt(
    target: str, env: dict[str, str], work_dir: Path, *args: str, batch_date: date | None = None
) -> float:
    """Run `dbt <args>` on the project in a subprocess with the venv's dbt.

    Target and log directories live under work_dir so parallel runs never share them.

    :param target: profile target, duckdb or postgres.
    :param env: environment variables read by profiles.yml and the macros (DATAOPS_*).
    :param work_dir: scratch directory for dbt's target/ and logs/.
    :param args: dbt command and its arguments, e.g. "build".
    :param batch_date: value of the batch_date var, none to build every batch.
    :return: wall time of the run in seconds.
    """
    full_env = {**os.environ, **env, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}
    full_env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    command = [
        str(DBT_EXECUTABLE), *args, "--project-dir", str(DBT_PROJECT_DIR), "--target", target,
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
        "--no-use-colors",
    ]  # fmt: skip
    if batch_date is not None:
        command += ["--vars", json.dumps({"batch_date": batch_date.isoformat()})]
    started = time.monotonic()
    result = subprocess.run(command, env=full_env, cwd=work_dir, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, (
        f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    )
    return elapsed


def build(warehouse: Warehouse, work_dir: Path, *args: str, batch_date: date | None = None) -> float:
    """Run `dbt build <args>` against a warehouse.  :return: wall time in seconds."""
    return run_dbt(warehouse.target, warehouse.dbt_env(), work_dir, "build", *args, batch_date=batch_date)


# ------------------------------------------------------------------------------ assertions


def feature_rows(warehouse: Warehouse) -> dict[str, dict[str, Any]]:
    """:return: marts.fct_transaction_features as a dict per tx_id."""
    rows = warehouse.table("marts", "fct_transaction_features")
    return {row[0]: dict(zip(FEATURE_COLUMNS, row, strict=True)) for row in rows}


def assert_features_match(actual: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> None:
    """Every row and feature equals the reference (floats to 1e-9 relative)."""
    assert sorted(actual) == sorted(expected)
    for tx_id, want in expected.items():
        got = actual[tx_id]
        for column, value in want.items():
            if isinstance(value, float):
                assert float(got[column]) == pytest.approx(value, rel=1e-9), (tx_id, column)
            else:
                assert got[column] == value, (tx_id, column, got[column], value)


def check_build_and_rerun(warehouse: Warehouse, work_dir: Path) -> None:
    """Full build, hand-computed and reference values, idempotent rerun and re-ingest of LAST_DAY.

    :param warehouse: a warehouse with empty raw tables.
    :param work_dir: scratch directory for dbt.
    """
    txs, chargebacks, named = build_history()
    tx_rows, cb_rows = raw_rows(txs, chargebacks)
    warehouse.insert_raw(tx_rows, cb_rows)

    build(warehouse, work_dir)

    assert warehouse.columns("marts", "fct_transaction_features") == FEATURE_COLUMNS
    features = feature_rows(warehouse)
    assert len(features) == len(txs)

    # Hand-computed values. C0000001 on the last day at 10:30: its daily 10:00 payments of the
    # previous 6 days and of today, plus itself -> 8 in 7 days; today 10:00 and itself in 1 day.
    ecom = features[named["c1_ecom_last_day"]]
    assert (ecom["cust_tx_count_1d"], ecom["cust_tx_count_7d"], ecom["cust_tx_count_30d"]) == (2, 8, 31)
    assert ecom["secs_since_last_cust_tx"] == 1800
    assert ecom["cust_country_count_30d"] == 2  # FR and DE
    assert ecom["cust_amount_avg_7d"] == pytest.approx((sum(20.0 + d for d in range(28, 35)) + 180.25) / 8)
    # At 10:00 the 7-day window starts exactly at day -7 10:00, which is included.
    assert features[named["c1_pos_last_day"]]["cust_tx_count_7d"] == 8
    # C0000003's previous payment is 33 days back: capped at 30 days.
    assert features[named["c3_last_day"]]["secs_since_last_cust_tx"] == SECS_CAP
    # T000003 on the last day: 16 payments of C0000004 and 2 frauds of C0000005 in 30 days. The
    # fraud of day 20 was reported one second before the batch day: known. The fraud of day 25
    # was reported at 00:00 of the batch day: not yet known. Day 2 is out of the window.
    atm = features[named["c4_last_day"]]
    assert (atm["term_tx_count_30d"], atm["term_fraud_count_30d"]) == (18, 1)
    assert atm["term_risk_30d"] == pytest.approx(1 / 18)
    # On day 12 the fraud of day 2 (reported on day 10) is known and in the window.
    assert features[named["c4_day_12"]]["term_fraud_count_30d"] == 1
    assert_features_match(features, expected_features(txs, chargebacks))

    before = {name: warehouse.table(schema, name) for schema, name in INCREMENTAL_MODELS}
    assert sum(1 for t in txs if t.batch_date == LAST_DAY) > 3

    # Rebuild one day incrementally: history is re-read only 30 days back (and compressed for
    # terminals), the day's rows are deleted and inserted again: every table stays identical.
    build(warehouse, work_dir, batch_date=LAST_DAY)
    for schema, name in INCREMENTAL_MODELS:
        assert warehouse.table(schema, name) == before[name], name

    # Re-ingest of the last day with one transaction gone and one amount corrected: the rebuild
    # replaces exactly that batch and the whole table matches the new data.
    reingested = [
        replace(t, amount=200.0) if t.tx_id == named["c1_ecom_last_day"] else t
        for t in txs if t.tx_id != named["c3_last_day"]
    ]  # fmt: skip
    raw = warehouse.schema("raw")
    warehouse.execute(f"delete from {raw}.transactions where batch_date = '{LAST_DAY}'")
    last_day_rows = [row for row in raw_rows(reingested, chargebacks)[0] if row[9] == LAST_DAY]
    warehouse.insert_raw(last_day_rows, [])
    build(warehouse, work_dir, batch_date=LAST_DAY)
    assert_features_match(feature_rows(warehouse), expected_features(reingested, chargebacks))
    assert len(warehouse.table("marts", "fct_transactions")) == len(reingested)
    for schema, name in INCREMENTAL_MODELS:
        rows = warehouse.table(schema, name)
        assert [r for r in rows if r[1] != LAST_DAY] == [r for r in before[name] if r[1] != LAST_DAY], name

    labels = dict(
        warehouse.query(f"select tx_id, is_fraud from {warehouse.schema('marts')}.fct_transaction_labels")
    )
    assert sorted(tx for tx, fraud in labels.items() if fraud) == sorted(c.tx_id for c in chargebacks)


def test_dbt_build_on_duckdb(duckdb_warehouse: DuckDBWarehouse, tmp_path: Path) -> None:
    """Per-model builds, full build, reference values and incremental reruns on a DuckDB file."""
    duckdb_warehouse.create_raw()
    # Cosmos runs `dbt build --select <model>` per model, from the first day on: a test that
    # references a model not built yet (relationships) must not run with the wrong model.
    build(duckdb_warehouse, tmp_path, "--select", "stg_landing__transactions", "fct_transactions")
    check_build_and_rerun(duckdb_warehouse, tmp_path)


@pytest.mark.postgres
def test_dbt_build_on_postgres(postgres_warehouse: PostgresWarehouse, tmp_path: Path) -> None:
    """The same SQL on PostgreSQL, in schemas isolated by DATAOPS_SCHEMA_PREFIX."""
    postgres_warehouse.create_raw()
    check_build_and_rerun(postgres_warehouse, tmp_path)
    schemas = {r[0] for r in postgres_warehouse.query("select schema_name from information_schema.schemata")}
    prefix = postgres_warehouse.prefix
    assert {f"{prefix}{name}" for name in ("raw", "staging", "intermediate", "marts")} <= schemas


def test_dbt_parse_needs_no_database(tmp_path: Path) -> None:
    """`dbt parse` (the manifest cosmos renders DAGs from) runs without reaching any database."""
    env = {
        "DATAOPS_PG_HOST": "unreachable.invalid", "DATAOPS_PG_PORT": "1",
        "DATAOPS_SCHEMA_PREFIX": "ci_7_",
    }  # fmt: skip
    run_dbt("postgres", env, tmp_path, "parse")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert set(models) == {
        "stg_landing__transactions", "stg_landing__chargebacks", "int_fraud_labels",
        "int_customer_windows", "int_terminal_windows", "int_terminal_risk",
        "fct_transactions", "fct_transaction_features", "fct_transaction_labels",
    }  # fmt: skip
    assert list(models["fct_transaction_features"]["columns"]) == FEATURE_COLUMNS
    assert {models[name]["schema"] for name in models if name.startswith("fct_")} == {"ci_7_marts"}
    assert models["stg_landing__transactions"]["schema"] == "ci_7_staging"
    sources = [n for n in manifest["sources"].values()]
    assert {s["schema"] for s in sources} == {"ci_7_raw"}

"""The registry's SQL tables (SQLAlchemy Core), portable across PostgreSQL, DuckDB and SQLite.

PostgreSQL and DuckDB keep the tables in a schema (default ``registry``); SQLite has no schemas, so there
the schema name becomes a table-name prefix (``registry_model_versions`` ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.schema import CreateSchema

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

VERSION_STATUSES = ("registering", "ready", "failed")


@dataclass(frozen=True)
class RegistryTables:
    """The five registry tables bound to one schema (or prefix).

    :param metadata: the MetaData holding the tables.
    :param schema: the SQL schema, or None when a prefix is used (SQLite).
    """

    metadata: sa.MetaData
    schema: str | None
    model_versions: sa.Table
    model_artifacts: sa.Table
    model_aliases: sa.Table
    alias_history: sa.Table
    decisions: sa.Table


def registry_tables(schema: str = "registry", dialect_name: str = "postgresql") -> RegistryTables:
    """Describe the registry tables for one database dialect.

    :param schema: schema name (PostgreSQL, DuckDB) or table prefix (SQLite).
    :param dialect_name: SQLAlchemy dialect name (``engine.dialect.name``).
    :raises ValueError: the schema name is not a plain SQL identifier.
    """
    if not _IDENT.match(schema):
        raise ValueError(f"registry schema must be a plain SQL identifier, got {schema!r}")
    if dialect_name == "sqlite":
        metadata, sql_schema, prefix = sa.MetaData(), None, f"{schema}_"
    else:
        metadata, sql_schema, prefix = sa.MetaData(schema=schema), schema, ""

    model_versions = sa.Table(
        f"{prefix}model_versions", metadata,
        sa.Column("model_name", sa.String(128), primary_key=True),
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("version_number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dataset", sa.String(128)),
        sa.Column("artifact_uri", sa.String(1024), nullable=False),
        sa.Column("cutoff", sa.String(32)),
        sa.Column("code_revision", sa.String(64)),
        sa.Column("training_info", sa.Text),  # JSON: windows and data fingerprint
        sa.Column("metrics", sa.Text),  # JSON: validation/holdout headline metrics
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),  # UTC, naive
        sa.Column("run_key", sa.String(256)),  # the pipeline run (dag_id/run_id) that registered it
        sa.UniqueConstraint("model_name", "version_number"),
    )
    model_artifacts = sa.Table(
        f"{prefix}model_artifacts", metadata,
        sa.Column("model_name", sa.String(128), primary_key=True),
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("s3_key", sa.String(1024), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    model_aliases = sa.Table(
        f"{prefix}model_aliases", metadata,
        sa.Column("model_name", sa.String(128), primary_key=True),
        sa.Column("alias", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False),
        # Compare-and-set counter: every move increments it; a move only applies to the revision it read.
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    alias_history = sa.Table(
        f"{prefix}alias_history", metadata,
        sa.Column("event_id", sa.String(32), primary_key=True),
        sa.Column("model_name", sa.String(128), nullable=False),
        sa.Column("alias", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),  # promote | rollback | remove
        sa.Column("from_version", sa.String(64)),
        sa.Column("to_version", sa.String(64)),  # NULL for a removal
        sa.Column("details", sa.Text),  # JSON recorded with the move (e.g. a shadow period's length)
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False, quote=True),  # `at` is a keyword in DuckDB
        # Two moves can never claim the same step of an alias's history.
        sa.UniqueConstraint("model_name", "alias", "revision"),
    )
    decisions = sa.Table(
        f"{prefix}decisions", metadata,
        sa.Column("decision_id", sa.String(32), primary_key=True),
        sa.Column("model_name", sa.String(128), nullable=False),
        sa.Column("challenger_version", sa.String(64), nullable=False),
        sa.Column("champion_version", sa.String(64)),
        sa.Column("promote", sa.Boolean, nullable=False),
        sa.Column("metric", sa.String(64)),
        sa.Column("delta", sa.Double),
        sa.Column("ci_low", sa.Double),
        sa.Column("ci_high", sa.Double),
        sa.Column("reasons", sa.Text, nullable=False),  # JSON list of strings
        sa.Column("details", sa.Text),  # JSON: structured checks
        sa.Column("report_uri", sa.String(1024)),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.Column("run_key", sa.String(256)),  # the run (or shadow period) the decision belongs to
    )
    return RegistryTables(metadata, sql_schema, model_versions, model_artifacts, model_aliases, alias_history,
                          decisions)


def create_tables(engine: sa.Engine, tables: RegistryTables) -> None:
    """Create the schema and the tables if they do not exist yet (idempotent).

    :param engine: the registry database.
    :param tables: the table definitions from :func:`registry_tables`.
    """
    try:
        _create(engine, tables)
    except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
        # Another process created the schema/tables between our existence check and our CREATE
        # (PostgreSQL reports a duplicate); the second pass finds them and does nothing.
        _create(engine, tables)


def _create(engine: sa.Engine, tables: RegistryTables) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "duckdb" and tables.schema is not None:
            catalog = conn.execute(sa.text("SELECT current_database()")).scalar()
            if catalog == tables.schema:
                raise ValueError(
                    f"the DuckDB file's catalog name {catalog!r} equals the registry schema: DuckDB cannot tell "
                    "them apart; rename the file or pick another schema"
                )
        if tables.schema is not None:
            conn.execute(CreateSchema(tables.schema, if_not_exists=True))
        tables.metadata.create_all(conn, checkfirst=True)
        _upgrade(conn, tables)


def _upgrade(conn: sa.Connection, tables: RegistryTables) -> None:
    """Bring tables created by an older release up to date: add missing (nullable) columns and, where the
    database can, drop NOT NULL from columns that became nullable (SQLite cannot alter a column)."""
    for table in tables.metadata.sorted_tables:
        existing = _columns(conn, table.name, tables.schema)
        name = conn.dialect.identifier_preparer.format_table(table)
        for column in table.columns:
            quoted = conn.dialect.identifier_preparer.format_column(column)
            if column.name not in existing:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(sa.text(f"ALTER TABLE {name} ADD COLUMN {quoted} {kind}"))
            elif (column.nullable and not existing[column.name] and not column.primary_key
                  and conn.dialect.name != "sqlite"):
                conn.execute(sa.text(f"ALTER TABLE {name} ALTER COLUMN {quoted} DROP NOT NULL"))


def _columns(conn: sa.Connection, table: str, schema: str | None) -> dict[str, bool]:
    """column name -> nullable, from the database itself (information_schema; PRAGMA on SQLite)."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"PRAGMA table_info('{table}')").all()
        return {r[1]: not r[3] for r in rows}
    rows = conn.execute(sa.text("SELECT column_name, is_nullable FROM information_schema.columns "
                                "WHERE table_schema = :schema AND table_name = :table"),
                        {"schema": schema, "table": table}).all()
    return {r[0]: r[1] == "YES" for r in rows}

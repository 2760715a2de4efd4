"""The model registry: versions and artifacts (S3 + SQL), aliases, history and promotion decisions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from dataops.identifiers import checked_name
from dataops.registry.aliases import ANY, AliasMove, move_alias, read_alias, read_history, remove_alias
from dataops.registry.artifacts import ArtifactStore, version_prefix
from dataops.registry.errors import ConcurrentAliasUpdate, RegistryError, VersionNotFound
from dataops.registry.features import FeatureEncoder
from dataops.registry.loaded_model import LoadedModel
from dataops.registry.provenance import utcnow
from dataops.registry.tables import create_tables, registry_tables
from dataops.registry.transaction import AliasTransaction

REQUIRED_FILES = ("model.txt", "features.json")


@contextmanager
def _alias_race_errors(alias: str) -> Iterator[None]:
    """Turn the database's own race signals into :class:`ConcurrentAliasUpdate`."""
    try:
        yield
    except IntegrityError as exc:  # both movers inserted the first row / the same history step
        raise ConcurrentAliasUpdate(f"alias {alias!r} was moved concurrently: {exc.orig}") from exc
    except DBAPIError as exc:
        text = str(exc.orig)
        # DuckDB's optimistic concurrency ("Conflict on update"), SQLite's busy writer lock and PostgreSQL
        # serialization failures.
        if any(s in text for s in ("Conflict", "database is locked", "could not serialize", "deadlock detected")):
            raise ConcurrentAliasUpdate(f"alias {alias!r} was moved concurrently: {text}") from exc
        raise


def new_decision_id() -> str:
    """A fresh decision id (what :meth:`ModelRegistry.record_decision` records when given none)."""
    return uuid.uuid4().hex


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


class ModelRegistry:
    """Registry of one model's versions.

    :param engine: SQLAlchemy engine of the registry database (PostgreSQL, DuckDB or SQLite).
    :param s3_client: boto3 S3 client for the artifacts.
    :param model_name: the registered model (default: the dataset name, ``transactions``).
    :param bucket: artifact bucket (default env ``DATAOPS_ARTIFACT_BUCKET`` or ``models``).
    :param schema: SQL schema of the tables (a table prefix on SQLite).
    :param create: create the schema and tables if missing (idempotent).
    :raises ValueError: ``model_name`` is not a plain name.
    """

    def __init__(self, engine: sa.Engine, s3_client: Any, model_name: str = "transactions", *,
                 bucket: str | None = None, schema: str = "registry", create: bool = True) -> None:
        self.engine = engine
        self.model_name = checked_name(model_name, "model")  # an S3 key segment and a SQL value
        self.store = ArtifactStore(s3_client, bucket)
        self.tables = registry_tables(schema, engine.dialect.name)
        if create:
            self.create_tables()

    # ------------------------------------------------------------------ setup
    def create_tables(self) -> None:
        """Create the registry schema and tables if they do not exist (safe to call again)."""
        create_tables(self.engine, self.tables)

    def prefix(self, version: str) -> str:
        """S3 key prefix of ``version``: ``models/<model_name>/<version>/``."""
        return version_prefix(self.model_name, version)

    # ------------------------------------------------------------------ versions
    def register(self, files: Mapping[str, bytes], *, created_by: str = "pipeline", run_key: str | None = None
                 ) -> str:
        """Register a new version: allocate its number, upload its artifacts, record their SHA-256.

        The version row is written first with status ``registering`` and turns ``ready`` only once every
        artifact is uploaded and recorded; a failed upload leaves it ``failed`` (never loadable or promotable).

        :param files: artifact file name -> content; must contain ``model.txt`` and ``features.json``.
            ``training.json``, ``metrics.json`` and ``environment.json`` fill the version's summary columns.
        :param created_by: actor recorded on the version.
        :param run_key: the pipeline run registering it (``dag_id/run_id``): a retry of that run gets the
            version it already registered (see :meth:`version_for_run`) instead of a new one.
        :returns: the new version, ``v<N>``.
        """
        if run_key is not None:
            earlier = self.version_for_run(run_key)
            if earlier is not None:
                return earlier
        missing = [f for f in REQUIRED_FILES if f not in files]
        if missing:
            raise ValueError(f"cannot register a model without {missing}")
        bad = [n for n in files if "/" in n or n.startswith(".") or not n]
        if bad:
            raise ValueError(f"artifact names must be plain file names, got {bad}")
        training = _loads(files["training.json"].decode()) if "training.json" in files else {}
        metrics = _loads(files["metrics.json"].decode()) if "metrics.json" in files else {}
        env = _loads(files["environment.json"].decode()) if "environment.json" in files else {}
        version = self._allocate_version(created_by, training or {}, metrics or {}, env or {}, run_key)
        v, art = self.tables.model_versions, self.tables.model_artifacts
        try:
            self.store.ensure_bucket()
            rows = []
            for name, data in sorted(files.items()):
                key = self.prefix(version) + name
                sha, size = self.store.put(key, data)
                rows.append(dict(model_name=self.model_name, version=version, name=name, s3_key=key, sha256=sha,
                                 size_bytes=size, created_at=utcnow()))
            with self.engine.begin() as conn:
                conn.execute(sa.insert(art), rows)
                conn.execute(sa.update(v).where(v.c.model_name == self.model_name, v.c.version == version)
                             .values(status="ready"))
        except BaseException:
            with self.engine.begin() as conn:
                conn.execute(sa.update(v).where(v.c.model_name == self.model_name, v.c.version == version)
                             .values(status="failed"))
            raise
        return version

    def _allocate_version(self, created_by: str, training: dict, metrics: dict, env: dict,
                          run_key: str | None) -> str:
        v = self.tables.model_versions
        holdout = metrics.get("holdout") or {}
        headline = {
            "best_iteration": metrics.get("best_iteration"),
            "validation": metrics.get("validation"),
            "holdout": {k: holdout.get(k) for k in ("roc_auc", "average_precision", "recall_at_fpr", "brier")
                        if k in holdout},
        } if metrics else {}
        for _ in range(10):
            try:
                with self.engine.begin() as conn:
                    top = conn.execute(sa.select(sa.func.max(v.c.version_number))
                                       .where(v.c.model_name == self.model_name)).scalar()
                    number = int(top or 0) + 1
                    version = f"v{number}"
                    conn.execute(sa.insert(v).values(
                        model_name=self.model_name, version=version, version_number=number,
                        status="registering", dataset=training.get("dataset"),
                        artifact_uri=self.store.uri(self.prefix(version)),
                        cutoff=str(training["cutoff"]) if training.get("cutoff") else None,
                        code_revision=env.get("code_revision"),
                        training_info=json.dumps({k: training.get(k) for k in ("windows", "fingerprint")},
                                                 default=str) if training else None,
                        metrics=json.dumps(headline, default=str) if headline else None,
                        created_by=created_by, created_at=utcnow(), run_key=run_key,
                    ))
                return version
            except (IntegrityError, DBAPIError) as exc:
                if isinstance(exc, IntegrityError) or "Conflict" in str(exc.orig):
                    continue  # another registration took this number: try the next one
                raise
        raise RegistryError("could not allocate a version number after 10 attempts")

    def version_for_run(self, run_key: str) -> str | None:
        """The ready version registered by the run ``run_key`` (None if it has not registered one yet)."""
        v = self.tables.model_versions
        with self.engine.connect() as conn:
            return conn.execute(sa.select(v.c.version).where(
                v.c.model_name == self.model_name, v.c.run_key == run_key, v.c.status == "ready")
                .order_by(v.c.version_number.desc()).limit(1)).scalar()

    def versions(self) -> list[dict]:
        """Every version (oldest first) with its status, summary and current aliases."""
        v = self.tables.model_versions
        aliases = self.aliases()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(v).where(v.c.model_name == self.model_name)
                                .order_by(v.c.version_number)).mappings().all()
        out = []
        for r in rows:
            d = dict(r)
            d["training_info"] = _loads(d["training_info"])
            d["metrics"] = _loads(d["metrics"])
            d["aliases"] = sorted(a for a, ver in aliases.items() if ver == d["version"])
            out.append(d)
        return out

    def get_version(self, version: str) -> dict:
        """One version's row plus its artifacts (name -> key, sha256, size).

        :raises VersionNotFound: unknown version.
        """
        v, art = self.tables.model_versions, self.tables.model_artifacts
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(v).where(v.c.model_name == self.model_name, v.c.version == version)
                               ).mappings().first()
            if row is None:
                raise VersionNotFound(f"model {self.model_name!r} has no version {version!r}")
            arts = conn.execute(sa.select(art).where(art.c.model_name == self.model_name,
                                                     art.c.version == version)).mappings().all()
        d = dict(row)
        d["training_info"] = _loads(d["training_info"])
        d["metrics"] = _loads(d["metrics"])
        d["artifacts"] = {a["name"]: {"s3_key": a["s3_key"], "sha256": a["sha256"], "size_bytes": a["size_bytes"]}
                          for a in arts}
        return d

    def read_artifact(self, version: str, name: str) -> bytes:
        """Read one artifact of a version, verified against its recorded SHA-256.

        :raises ArtifactIntegrityError: missing, tampered or truncated object.
        :raises VersionNotFound: unknown version or artifact.
        """
        info = self.get_version(version)
        if name not in info["artifacts"]:
            raise VersionNotFound(f"version {version!r} has no artifact {name!r}")
        a = info["artifacts"][name]
        return self.store.get_verified(a["s3_key"], name, a["sha256"], a["size_bytes"])

    # ------------------------------------------------------------------ loading
    def load_version(self, version: str) -> LoadedModel:
        """Load a version after verifying every artifact's SHA-256.

        :raises ArtifactIntegrityError: an artifact is missing, tampered or truncated (names file and hashes).
        :raises VersionNotFound: unknown version or not ready.
        """
        info = self.get_version(version)
        if info["status"] != "ready":
            raise VersionNotFound(f"model {self.model_name!r} version {version!r} is {info['status']!r}, not ready")
        blobs = {name: self.store.get_verified(a["s3_key"], name, a["sha256"], a["size_bytes"])
                 for name, a in sorted(info["artifacts"].items())}
        documents = {n: json.loads(b.decode()) for n, b in blobs.items() if n.endswith(".json")}
        encoder = FeatureEncoder.from_dict(documents["features.json"])
        return LoadedModel.from_text(self.model_name, version, blobs["model.txt"].decode(), encoder, documents)

    def load(self, alias: str = "champion") -> LoadedModel | None:
        """Load the version an alias points to (verified), or None if the alias is not set.

        :param alias: ``champion`` (default), ``challenger`` or ``shadow``.
        """
        version = self.get_alias_version(alias)
        return None if version is None else self.load_version(version)

    # ------------------------------------------------------------------ aliases
    def get_alias_version(self, alias: str = "champion") -> str | None:
        """The version ``alias`` points to, or None."""
        with self.engine.connect() as conn:
            row = read_alias(conn, self.tables, self.model_name, alias)
        return None if row is None else row.version

    def aliases(self) -> dict[str, str]:
        """alias -> version for this model."""
        a = self.tables.model_aliases
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(a.c.alias, a.c.version).where(a.c.model_name == self.model_name)).all()
        return {r.alias: r.version for r in rows}

    def promote(self, version: str, *, actor: str, reason: str, alias: str = "champion",
                expected_version: Any = ANY, details: Mapping | None = None) -> AliasMove:
        """Point ``alias`` at ``version`` in one transaction and record the move.

        :param version: a ready version.
        :param actor: who promotes.
        :param reason: why (recorded in alias_history).
        :param alias: alias to move (default ``champion``).
        :param expected_version: the version the caller decided against (None: alias not set yet). If the
            alias points elsewhere by the time the move runs, :class:`ConcurrentAliasUpdate` is raised.
        :param details: JSON-ready facts recorded with the move in alias_history (e.g. a shadow period's
            ``shadow_days``).
        """
        with _alias_race_errors(alias), self.engine.begin() as conn:
            return move_alias(conn, self.tables, model_name=self.model_name, alias=alias, to_version=version,
                              action="promote", actor=actor, reason=reason, expected_version=expected_version,
                              details=details)

    def remove_alias(self, alias: str, *, actor: str, reason: str, expected_version: Any = ANY) -> AliasMove:
        """Unset ``alias`` in one transaction (compare-and-set) and record the removal in alias_history.

        :param alias: the alias to unset (e.g. ``shadow`` once its challenger is decided).
        :param actor: who removes it.
        :param reason: why (recorded).
        :param expected_version: the version the caller decided to remove; if the alias points elsewhere
            (or is unset) :class:`ConcurrentAliasUpdate` is raised and nothing changes.
        """
        with _alias_race_errors(alias), self.engine.begin() as conn:
            return remove_alias(conn, self.tables, model_name=self.model_name, alias=alias, actor=actor,
                                reason=reason, expected_version=expected_version)

    def rollback(self, alias: str = "champion", *, reason: str, actor: str,
                 expected_version: Any = ANY) -> AliasMove:
        """Move ``alias`` one step back along its history (a rolled-back step is skipped next time).

        :raises NoPreviousVersion: the alias has no earlier version.
        """
        with _alias_race_errors(alias), self.engine.begin() as conn:
            return move_alias(conn, self.tables, model_name=self.model_name, alias=alias, to_version=None,
                              action="rollback", actor=actor, reason=reason, expected_version=expected_version)

    @contextmanager
    def transaction(self, *, actor: str) -> Iterator[AliasTransaction]:
        """Move several aliases in one transaction: all of them move or none (see :class:`AliasTransaction`).

        :param actor: who moves them (recorded on every move).
        :raises ConcurrentAliasUpdate: an alias was not where a move expected it, or moved meanwhile.
        """
        with _alias_race_errors("release"), self.engine.begin() as conn:
            yield AliasTransaction(conn, self.tables, self.model_name, actor)

    def history(self, alias: str | None = None) -> list[dict]:
        """Append-only alias history (oldest first), optionally for one alias."""
        with self.engine.connect() as conn:
            rows = read_history(conn, self.tables, self.model_name, alias)
        return [{**r._mapping, "details": _loads(r.details)} for r in rows]

    # ------------------------------------------------------------------ decisions
    def record_decision(self, *, challenger_version: str, champion_version: str | None, promote: bool,
                        reasons: Sequence[str], actor: str, metric: str | None = None,
                        delta: float | None = None, ci_low: float | None = None, ci_high: float | None = None,
                        details: Mapping | None = None, report_uri: str | None = None,
                        run_key: str | None = None, decision_id: str | None = None) -> str:
        """Record a promotion decision (promote or reject) with its reasons; returns its id.

        :param run_key: the run (or shadow period) deciding: if a decision was already recorded for it (a
            retry), that decision's id is returned and nothing new is recorded.
        :param decision_id: the id to record it under (default: a new one), e.g. the one its report is
            stored under.
        """
        if run_key is not None:
            earlier = self.decision_for_run(run_key)
            if earlier is not None:
                return earlier["decision_id"]
        decision_id = decision_id or new_decision_id()

        def num(x: float | None) -> float | None:
            return None if x is None or x != x else float(x)  # NaN -> NULL

        with self.engine.begin() as conn:
            conn.execute(sa.insert(self.tables.decisions).values(
                decision_id=decision_id, model_name=self.model_name, challenger_version=challenger_version,
                champion_version=champion_version, promote=bool(promote), metric=metric, delta=num(delta),
                ci_low=num(ci_low), ci_high=num(ci_high), reasons=json.dumps(list(reasons)),
                details=json.dumps(details, default=str) if details is not None else None,
                report_uri=report_uri, actor=actor, decided_at=utcnow(), run_key=run_key,
            ))
        return decision_id

    def decision_for_run(self, run_key: str) -> dict | None:
        """The decision recorded for ``run_key`` (reasons and details decoded), or None."""
        found = self._decisions(self.tables.decisions.c.run_key == run_key)
        return found[0] if found else None

    def decisions(self, challenger_version: str | None = None) -> list[dict]:
        """Recorded decisions, oldest first (reasons and details decoded)."""
        d = self.tables.decisions
        return self._decisions(d.c.challenger_version == challenger_version if challenger_version else None)

    def _decisions(self, where: Any) -> list[dict]:
        d = self.tables.decisions
        stmt = sa.select(d).where(d.c.model_name == self.model_name)
        if where is not None:
            stmt = stmt.where(where)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(d.c.decided_at)).mappings().all()
        out = []
        for r in rows:
            row = dict(r)
            row["reasons"] = _loads(row["reasons"])
            row["details"] = _loads(row["details"])
            out.append(row)
        return out

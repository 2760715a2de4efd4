"""``python -m dataops registry list|history|promote|rollback|release|decisions``.

Each sub-command sets ``func`` on its parser: the entry point calls ``args.func(args)`` and exits with the
returned code. Output is JSON on stdout; errors go to stderr with exit code 2.

Connections come from the environment: the registry database is ``--registry-url`` or
``DATAOPS_REGISTRY_URL`` (a SQLAlchemy URL), else the warehouse (``DATAOPS_WAREHOUSE_URL`` /
``DATAOPS_WAREHOUSE_PATH``); S3 is ``DATAOPS_S3_ENDPOINT_URL`` (empty = AWS) with the usual AWS credential
chain; the bucket is ``DATAOPS_ARTIFACT_BUCKET`` (default ``models``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from dataops import settings
from dataops.registry.errors import RegistryError


def default_actor() -> str:
    """``DATAOPS_ACTOR`` or the OS user name."""
    try:
        return settings.get("DATAOPS_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def add_registry_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that talks to the registry."""
    parser.add_argument("--model", default=None,
                        help="registered model name (default: env DATAOPS_MODEL_NAME, else the dataset name, "
                             "else 'transactions')")
    parser.add_argument("--registry-url", default=None,
                        help="SQLAlchemy URL of the registry DB (default: env DATAOPS_REGISTRY_URL, else the "
                             "warehouse)")
    parser.add_argument("--schema", default=settings.get("DATAOPS_REGISTRY_SCHEMA"),
                        help="registry schema (table prefix on SQLite)")
    parser.add_argument("--bucket", default=None, help="artifact bucket (default: env DATAOPS_ARTIFACT_BUCKET)")
    parser.add_argument("--actor", default=default_actor(), help="who is acting (recorded)")


def s3_client_from_env() -> Any:
    """A boto3 S3 client for ``DATAOPS_S3_ENDPOINT_URL`` (or AWS when unset)."""
    import boto3

    return boto3.client("s3", endpoint_url=settings.get("DATAOPS_S3_ENDPOINT_URL"))


def registry_engine(url: str | None = None) -> Any:
    """Engine of the registry DB: ``url``, env ``DATAOPS_REGISTRY_URL``, else the warehouse."""
    import sqlalchemy as sa

    url = url or settings.get("DATAOPS_REGISTRY_URL")
    if url:
        kwargs = {"poolclass": sa.pool.NullPool} if url.startswith("duckdb") else {}
        return sa.create_engine(url, **kwargs)
    from dataops.warehouse import WarehouseLocation, open_warehouse

    return open_warehouse(WarehouseLocation.from_env()).engine()


def registry_from_args(args: argparse.Namespace) -> Any:
    """Build the :class:`ModelRegistry` the options describe."""
    from dataops.registry.registry import ModelRegistry

    model = args.model or settings.get("DATAOPS_MODEL_NAME") or getattr(args, "dataset", None) or "transactions"
    return ModelRegistry(registry_engine(args.registry_url), s3_client_from_env(), model,
                         bucket=args.bucket, schema=args.schema)


def emit(obj: Any, one_line: bool = False) -> None:
    """Print JSON to stdout (indented, or on a single line for machine readers)."""
    print(json.dumps(obj, default=str) if one_line else json.dumps(obj, indent=2, default=str))


def _guard(fn):
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (RegistryError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    run.__doc__ = fn.__doc__
    return run


@_guard
def cmd_list(args: argparse.Namespace) -> int:
    """List versions with status, cutoff, headline metrics and aliases."""
    reg = registry_from_args(args)
    emit({"model": reg.model_name, "aliases": reg.aliases(),
          "versions": [{k: v[k] for k in ("version", "status", "cutoff", "created_at", "created_by",
                                          "code_revision", "aliases", "metrics")} for v in reg.versions()]})
    return 0


@_guard
def cmd_history(args: argparse.Namespace) -> int:
    """Show the append-only alias history."""
    emit(registry_from_args(args).history(args.alias))
    return 0


@_guard
def cmd_promote(args: argparse.Namespace) -> int:
    """Point an alias at a version (manual promotion), compare-and-set if --expected is given."""
    from dataops.registry.aliases import ANY

    expected: Any = ANY
    if args.expected is not None:
        expected = None if args.expected in ("", "none") else args.expected
    move = registry_from_args(args).promote(args.version, actor=args.actor, reason=args.reason, alias=args.alias,
                                            expected_version=expected)
    emit(move.to_dict())
    return 0


@_guard
def cmd_rollback(args: argparse.Namespace) -> int:
    """Move an alias one step back in its history."""
    registry = registry_from_args(args)
    if args.alias == "champion":  # to a release's warm standby when there is one, as the DAG and the view do
        from dataops.release.rollback import rollback_champion

        emit(rollback_champion(registry, reason=args.reason, actor=args.actor).to_dict())
    else:
        emit(registry.rollback(args.alias, reason=args.reason, actor=args.actor).to_dict())
    return 0


@_guard
def cmd_decisions(args: argparse.Namespace) -> int:
    """List recorded promotion decisions."""
    emit(registry_from_args(args).decisions(args.version))
    return 0


def add_subcommands(subparsers: Any) -> None:
    """Add ``registry`` (with list/history/promote/rollback/decisions) to an argparse sub-parser set.

    :param subparsers: the object returned by ``parser.add_subparsers()``.
    """
    p = subparsers.add_parser("registry", help="model registry: versions, aliases, history")
    sub = p.add_subparsers(dest="registry_command", required=True)

    s = sub.add_parser("list", help="versions and aliases")
    add_registry_options(s)
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("history", help="alias moves, oldest first")
    add_registry_options(s)
    s.add_argument("--alias", default=None, help="only this alias")
    s.set_defaults(func=cmd_history)

    s = sub.add_parser("promote", help="point an alias at a version")
    add_registry_options(s)
    s.add_argument("version")
    s.add_argument("--alias", default="champion")
    s.add_argument("--reason", required=True)
    s.add_argument("--expected", default=None,
                   help="version the alias must point to now ('none' = unset); fails if it moved")
    s.set_defaults(func=cmd_promote)

    s = sub.add_parser("rollback", help="move an alias back to its previous version")
    add_registry_options(s)
    s.add_argument("--alias", default="champion")
    s.add_argument("--reason", required=True)
    s.set_defaults(func=cmd_rollback)

    from dataops.release.cli import add_release_command

    add_release_command(sub, add_registry_options, _guard)

    s = sub.add_parser("decisions", help="recorded promotion decisions")
    add_registry_options(s)
    s.add_argument("--version", default=None, help="only decisions about this challenger")
    s.set_defaults(func=cmd_decisions)

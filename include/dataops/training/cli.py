"""``python -m dataops train``: read the warehouse, train, write the artifacts, register the version.

Sets ``func`` on its parser (``args.func(args)`` returns the exit code). The warehouse is
``--warehouse-url`` (SQLAlchemy URL) or ``DATAOPS_WAREHOUSE_URL`` / ``DATAOPS_WAREHOUSE_PATH``; registry
options are those of ``registry`` (see :mod:`dataops.registry.cli`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from dataops.registry.cli import add_registry_options, emit, registry_from_args
from dataops.registry.errors import RegistryError


def read_excluded(values: list[str], path: str | None, inline_json: str | None = None) -> list[str]:
    """Excluded batch dates from ``--exclude-batch-date``, ``--exclude-file`` (JSON list or one per line)
    and ``--exclude-json`` (a JSON list)."""
    dates = list(values or [])
    if path:
        text = Path(path).read_text().strip()
        dates += json.loads(text) if text.startswith("[") else [ln.strip() for ln in text.splitlines() if ln.strip()]
    if inline_json:
        parsed = json.loads(inline_json)
        if not isinstance(parsed, list):
            raise ValueError(f"--exclude-json must be a JSON list of dates, got {inline_json!r}")
        dates += parsed
    return sorted({date.fromisoformat(str(d)).isoformat() for d in dates})


def read_params(path: str | None, inline_json: str | None) -> tuple[dict, dict]:
    """LightGBM overrides and training options: ``--params`` YAML, then ``--params-json`` (a JSON object of
    LightGBM parameters) on top."""
    from dataops.training.params import load_params_file

    params, options = load_params_file(path) if path else ({}, {})
    if inline_json:
        parsed = json.loads(inline_json)
        if not isinstance(parsed, dict):
            raise ValueError(f"--params-json must be a JSON object, got {inline_json!r}")
        params.update(parsed)
    return params, options


def warehouse_engine(url: str | None) -> Any:
    """The warehouse engine (``url`` or the environment)."""
    import sqlalchemy as sa

    if url:
        return sa.create_engine(url, **({"poolclass": sa.pool.NullPool} if url.startswith("duckdb") else {}))
    from dataops.warehouse import WarehouseLocation

    return WarehouseLocation.from_env().engine()


def cmd_train(args: argparse.Namespace) -> int:
    """Train and register one version; print its summary as JSON."""
    from dataops.datasets import load_dataset
    from dataops.training.pipeline import train_and_register

    try:
        cfg = load_dataset(args.dataset)
        params, options = read_params(args.params, args.params_json)
        if args.num_boost_round:
            options["num_boost_round"] = args.num_boost_round
        run = train_and_register(
            warehouse_engine(args.warehouse_url), registry_from_args(args), cfg,
            cutoff=date.fromisoformat(args.cutoff), train_days=args.train_days, valid_days=args.valid_days,
            holdout_days=args.holdout_days,
            excluded_batch_dates=read_excluded(args.exclude_batch_date, args.exclude_file, args.exclude_json),
            drop_excluded=not args.keep_excluded, params=params, training_options=options,
            created_by=args.actor, run_key=args.run_key,
        )
    except (RegistryError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    emit(run.summary(), one_line=args.one_line)
    return 0


def add_subcommands(subparsers: Any) -> None:
    """Add ``train`` to an argparse sub-parser set.

    :param subparsers: the object returned by ``parser.add_subparsers()``.
    """
    p = subparsers.add_parser("train", help="train a model from the warehouse and register it")
    add_registry_options(p)
    p.add_argument("--dataset", default="transactions")
    p.add_argument("--cutoff", required=True, help="knowledge date YYYY-MM-DD (labels reported before it)")
    p.add_argument("--train-days", type=int, default=90)
    p.add_argument("--valid-days", type=int, default=14)
    p.add_argument("--holdout-days", type=int, default=14)
    p.add_argument("--exclude-batch-date", action="append", default=[], metavar="YYYY-MM-DD",
                   help="batch date to drop (repeatable): the quality gate's out-of-control/known-bad days")
    p.add_argument("--exclude-file", default=None, help="file with batch dates to drop (JSON list or lines)")
    p.add_argument("--exclude-json", default=None, help='batch dates to drop as a JSON list, e.g. \'["2026-01-05"]\'')
    p.add_argument("--keep-excluded", action="store_true", help="keep the excluded dates (still recorded)")
    p.add_argument("--params", default=None, help="YAML with `params:` (LightGBM) and `training:` overrides")
    p.add_argument("--params-json", default=None, help="LightGBM parameter overrides as a JSON object")
    p.add_argument("--one-line", action="store_true", help="print the summary as one JSON line")
    p.add_argument("--num-boost-round", type=int, default=None)
    p.add_argument("--run-key", default=None,
                   help="the pipeline run (dag_id/run_id): a retry of that run reuses the version it registered")
    p.add_argument("--warehouse-url", default=None, help="SQLAlchemy URL of the warehouse (default: env)")
    p.set_defaults(func=cmd_train)

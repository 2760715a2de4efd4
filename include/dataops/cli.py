"""``python -m dataops``: every pipeline step outside Airflow (in a container, or by hand when debugging).

    python -m dataops simulator land --start 2026-01-01 --days 60
    python -m dataops ingest --date 2026-01-05
    python -m dataops train --cutoff 2026-03-01
    python -m dataops evaluate ...
    python -m dataops registry list | history | rollback --reason "..." | release VERSION --strategy canary

Connections come from the environment (see include/dataops/devstack/embedded.env.example).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand providers, imported lazily so that `--help` stays fast and a broken optional part
# does not take the whole CLI down.
PROVIDERS = (
    "dataops.ingest.cli",
    "dataops.training.cli",
    "dataops.evaluation.cli",
    "dataops.registry.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dataops", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulator", help="synthetic card-transaction source (land batches in S3)")
    from dataops.simulator.cli import add_subcommands as add_simulator

    add_simulator(sim.add_subparsers(dest="simulator_command", required=True))
    for module in PROVIDERS:
        importlib.import_module(module).add_subcommands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

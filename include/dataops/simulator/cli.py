"""Command line: ``python -m dataops.simulator land ...``.

Wire into another argparse program with :func:`add_subcommands`; every subcommand sets ``func``, a
callable taking the parsed namespace and returning the exit code::

    sim = subparsers.add_parser("simulator", help="synthetic card-transaction source")
    add_subcommands(sim.add_subparsers(dest="simulator_command", required=True))
    args = parser.parse_args()
    raise SystemExit(args.func(args))
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from dataops import settings
from dataops.simulator.batches import DEFAULT_ROWS_PER_PART
from dataops.simulator.config import SimConfig
from dataops.simulator.faults import FAULT_KINDS, FaultSchedule, load_scenario, parse_fault
from dataops.simulator.landing import land_range
from dataops.simulator.simulator import Simulator
from dataops.simulator.sinks import LocalDirSink, S3Sink, make_s3_client

LAND_EPILOG = f"""\
faults (--fault DATE:KIND[:k=v,...], repeatable, or a --scenario YAML with
faults: [{{date:, kind:, params: {{}}}}]): {", ".join(FAULT_KINDS)}.
A day hit by late_file is NOT landed (the summary says 'withheld') unless --include-late is given;
deliver it later with: land --start DAY --days 1 --include-late (plus the same faults).
Keep --seed, --tx-per-day, population sizes, label-delay options and concept_drift faults identical
across runs: chargebacks of a day are regenerated from the frauds of the previous days.
"""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from exc


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def add_land_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``land``."""
    parser.add_argument("--start", type=_date, required=True, help="first batch date (YYYY-MM-DD)")
    parser.add_argument("--days", type=_positive, default=1, help="number of consecutive days (default 1)")
    parser.add_argument("--tx-per-day", type=_positive, default=5000, help="weekly average of rows per day")
    parser.add_argument("--seed", type=int, default=7, help="simulation seed (default 7)")
    parser.add_argument("--n-customers", type=_positive, default=None, help="default tx-per-day / 1.5")
    parser.add_argument("--n-terminals", type=_positive, default=None, help="default tx-per-day / 10")
    parser.add_argument("--fraud-scale", type=float, default=1.0, help="multiplier on all fraud scenarios")
    parser.add_argument("--label-delay-median-days", type=float, default=10.0)
    parser.add_argument("--label-delay-sigma", type=float, default=0.7)
    parser.add_argument("--label-delay-min-days", type=float, default=1.0)
    parser.add_argument("--label-delay-cap-days", type=float, default=40.0)
    parser.add_argument("--epoch", type=_date, default=None, help="no fraud exists before this day")
    parser.add_argument(
        "--bucket",
        default=settings.landing_bucket(),
        help="landing bucket (env DATAOPS_LANDING_BUCKET, default 'landing'); created when missing",
    )
    parser.add_argument(
        "--endpoint-url", default=None, help="S3 endpoint (default env AWS_ENDPOINT_URL / DATAOPS_S3_ENDPOINT_URL)"
    )
    parser.add_argument("--out-dir", default=None, help="write to this local directory instead of S3")
    parser.add_argument("--rows-per-part", type=_positive, default=DEFAULT_ROWS_PER_PART)
    parser.add_argument("--compresslevel", type=int, choices=range(1, 10), default=6, metavar="1-9")
    parser.add_argument("--fault", action="append", default=[], metavar="DATE:KIND[:k=v,...]")
    parser.add_argument("--scenario", default=None, help="YAML file with a 'faults' list")
    parser.add_argument("--include-late", action="store_true", help="also land batches hit by late_file")
    parser.add_argument("--volume-growth", type=float, default=0.0, help="yearly growth of the volume (0.4 = +40 %%)")
    parser.add_argument("--volume-season", type=float, default=0.0, help="amplitude of the yearly season (0.15)")
    parser.add_argument("--volume-noise", type=float, default=0.0, help="day-to-day relative sd of the volume")


def run_land(args: argparse.Namespace) -> int:
    """Handler of ``land``."""
    try:
        faults = [parse_fault(text) for text in args.fault]
        if args.scenario:
            faults.extend(load_scenario(args.scenario))
        config = SimConfig(
            seed=args.seed,
            tx_per_day=args.tx_per_day,
            n_customers=args.n_customers,
            n_terminals=args.n_terminals,
            fraud_scale=args.fraud_scale,
            label_delay_median_days=args.label_delay_median_days,
            label_delay_sigma=args.label_delay_sigma,
            label_delay_min_days=args.label_delay_min_days,
            label_delay_cap_days=args.label_delay_cap_days,
            epoch=args.epoch,
            volume_growth=args.volume_growth,
            volume_season=args.volume_season,
            volume_noise=args.volume_noise,
        )
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sink = LocalDirSink(args.out_dir) if args.out_dir else S3Sink(make_s3_client(args.endpoint_url), args.bucket)
    sim = Simulator(config, FaultSchedule(tuple(faults)))
    land_range(
        sim,
        args.start,
        args.days,
        sink,
        rows_per_part=args.rows_per_part,
        include_late=args.include_late,
        compresslevel=args.compresslevel,
        echo=lambda line: print(line, flush=True),
    )
    return 0


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Add the simulator's subcommands (``land``) to an argparse subparsers object.

    :param subparsers: result of ``parser.add_subparsers()``.
    """
    land = subparsers.add_parser(
        "land",
        help="generate and land transactions and chargebacks per day (S3 or --out-dir)",
        description="Generate each day's transactions and the chargebacks reported that day and land both "
        "as gzipped CSV parts with _manifest.json written last.",
        epilog=LAND_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_land_arguments(land)
    land.set_defaults(func=run_land)


def build_parser() -> argparse.ArgumentParser:
    """The standalone ``python -m dataops.simulator`` parser."""
    parser = argparse.ArgumentParser(prog="python -m dataops.simulator", description=__doc__.splitlines()[0])
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    return args.func(args)

"""``python -m dataops registry release VERSION --strategy canary|blue_green|shadow|direct --reason "..."``.

Starts releasing a registered version the way the Innovation Pipeline's promotion does
(:func:`dataops.release.start.start_release`), for a version that was evaluated elsewhere (a hotfix, a model
trained outside the pipeline) or a replay pinned to a past first batch (``--starts``). The dataset's
``promotion.release`` section is the starting point; the options override it for this release only. The Value
Pipeline's daily ``release_step`` carries the release on from the first batch it scores.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from dataops.release.config import STRATEGIES, BlueGreenLimits, CanaryStep, ReleaseConfig


def parse_canary(text: str) -> tuple[CanaryStep, ...]:
    """``"0.05:1,0.25:1,1:1"`` -> the canary schedule (share:days per step).

    :raises ValueError: a step that is not ``share:days``; the message quotes it.
    """
    steps = []
    for part in text.split(","):
        share, sep, days = part.strip().partition(":")
        try:
            if not sep:
                raise ValueError("no ':'")
            steps.append(CanaryStep(float(share), int(days)))
        except ValueError as bad:
            raise ValueError(f"canary step {part.strip()!r} is not share:days, e.g. 0.05:1 ({bad})") from None
    return tuple(steps)


def release_config_from_args(base: ReleaseConfig, args: argparse.Namespace) -> ReleaseConfig:
    """``base`` (the dataset's) with the command line's overrides."""
    changes: dict[str, Any] = {"strategy": args.strategy}
    if args.canary:
        changes["canary"] = parse_canary(args.canary)
    if args.shadow_days is not None:
        changes["shadow_days"] = args.shadow_days
    if args.watch_days is not None:
        changes["watch_days"] = args.watch_days
    limits = {k: getattr(args, k) for k in ("max_score_psi", "max_flag_rate_ratio", "min_agreement")
              if getattr(args, k) is not None}
    if limits:
        changes["blue_green"] = BlueGreenLimits(**{**vars(base.blue_green), **limits})
    return replace(base, **changes)


def cmd_release(args: argparse.Namespace) -> int:
    """Start releasing a version (canary, blue/green, shadow or direct) against the current champion."""
    from dataops.datasets import load_dataset
    from dataops.registry.cli import emit, registry_from_args
    from dataops.release.start import ReleaseInProgress, start_release

    try:
        dataset = load_dataset(args.dataset)
    except FileNotFoundError as missing:
        print(f"error: no dataset {args.dataset!r} ({missing})", file=sys.stderr)
        return 2
    registry = registry_from_args(args)
    aliases = registry.aliases()
    held = [a for a, v in aliases.items() if v == args.version]
    if held:
        print(f"error: {args.version} is already {' and '.join(held)}: release another version", file=sys.stderr)
        return 2
    config = release_config_from_args(dataset.release, args)
    started_on = date.fromisoformat(args.starts) if args.starts else datetime.now(UTC).date()
    try:
        moves = start_release(registry, args.version, config, actor=args.actor, reason=args.reason,
                              expected_champion=aliases.get("champion"), started_on=started_on)
    except ReleaseInProgress as busy:
        print(f"error: {busy}", file=sys.stderr)
        return 2
    emit({"release": config.to_dict(), "started_on": started_on.isoformat(),
          "moves": [m.to_dict() for m in moves]})
    return 0


def add_release_command(sub: Any, add_registry_options: Any, guard: Any) -> None:
    """``registry release`` on the registry CLI's sub-parsers."""
    s = sub.add_parser("release", help="start releasing a version: canary, blue/green, shadow or direct")
    add_registry_options(s)
    s.add_argument("version")
    s.add_argument("--dataset", default="transactions", help="dataset whose promotion.release is the default")
    s.add_argument("--strategy", required=True, choices=STRATEGIES)
    s.add_argument("--reason", required=True)
    s.add_argument("--starts", default=None,
                   help="first batch date of the release, YYYY-MM-DD (default: today, UTC; a past date replays)")
    s.add_argument("--canary", default=None, help="canary schedule as share:days steps, e.g. 0.05:1,0.25:1,1:1")
    s.add_argument("--shadow-days", type=int, default=None)
    s.add_argument("--watch-days", type=int, default=None, help="days the previous champion stays warm")
    s.add_argument("--max-score-psi", type=float, default=None, help="blue/green: most score PSI to switch")
    s.add_argument("--max-flag-rate-ratio", type=float, default=None, help="blue/green: green/blue flag rate")
    s.add_argument("--min-agreement", type=float, default=None, help="blue/green: least share of same decisions")
    s.set_defaults(func=guard(cmd_release))

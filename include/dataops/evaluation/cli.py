"""``python -m dataops evaluate``: judge a registered challenger against the champion (and promote it).

Sets ``func`` on its parser (``args.func(args)`` returns the exit code: 0 whatever the decision, 2 on
error). The holdout is rebuilt from the warehouse with the windows recorded in the challenger's
``training.json``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dataops.registry.cli import add_registry_options, emit, registry_from_args
from dataops.registry.errors import RegistryError


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate, report, record the decision, and promote when asked and approved."""
    from dataops.evaluation.decide import apply_decision, decide
    from dataops.evaluation.evaluate import EvaluationConfig
    from dataops.evaluation.rule import PromotionRule
    from dataops.training.cli import warehouse_engine

    try:
        rule = PromotionRule.from_yaml(args.rule) if args.rule else PromotionRule()
        if args.n_boot:
            rule = PromotionRule.from_mapping({**rule.to_dict(), "n_boot": args.n_boot})
        registry = registry_from_args(args)
        decision = decide(registry, args.version, warehouse=warehouse_engine(args.warehouse_url), rule=rule,
                          eval_config=EvaluationConfig(top_k_per_day=args.top_k), actor=args.actor)
        move = apply_decision(registry, decision, actor=args.actor) if args.promote else None
    except (RegistryError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = decision.to_dict()
    out.pop("checks", None)
    out["promoted"] = move.to_dict() if move else None
    emit(out, one_line=args.one_line)
    return 0


def add_subcommands(subparsers: Any) -> None:
    """Add ``evaluate`` to an argparse sub-parser set.

    :param subparsers: the object returned by ``parser.add_subparsers()``.
    """
    p = subparsers.add_parser("evaluate", help="champion vs challenger on the holdout; record the decision")
    add_registry_options(p)
    p.add_argument("--version", required=True, help="the challenger version")
    p.add_argument("--rule", default=None, help="YAML promotion rule (keys of PromotionRule)")
    p.add_argument("--n-boot", type=int, default=None, help="bootstrap replicates (overrides the rule)")
    p.add_argument("--top-k", type=int, default=50, help="daily alert budget for precision at top-k")
    p.add_argument("--promote", action="store_true", help="move the champion alias if the rule approves")
    p.add_argument("--warehouse-url", default=None, help="SQLAlchemy URL of the warehouse (default: env)")
    p.add_argument("--one-line", action="store_true", help="print the decision as one JSON line")
    p.set_defaults(func=cmd_evaluate)

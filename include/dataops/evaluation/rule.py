"""The promotion rule: when does a challenger replace the champion?

A challenger is promoted only if every blocking check passes:

1. floors: its own holdout metrics meet absolute minimums (e.g. ROC AUC >= 0.70, AP >= 0.10; for
   lower-is-better metrics such as ``brier`` the value is a maximum);
2. with a champion: the lower bound of the paired-bootstrap CI of the improvement in the promotion metric
   (default average precision) is > ``min_delta``;
3. with a champion: no slice (channel, country ...) regresses by more than ``slice_tolerance`` in the
   promotion metric. Slices with fewer than ``min_slice_positives`` positives are reported, not blocking.

Without a champion (first run) only the floors apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dataops.evaluation.bootstrap import BOOTSTRAP_METRICS, paired_bootstrap
from dataops.evaluation.evaluate import Evaluation
from dataops.metrics.binary import HIGHER_IS_BETTER


@dataclass(frozen=True)
class PromotionRule:
    """Configurable promotion rule (see module docstring).

    :param metric: promotion metric: ``average_precision`` (default), ``roc_auc`` or ``brier``.
    :param min_delta: the CI lower bound of the improvement must exceed this.
    :param confidence: bootstrap interval level.
    :param n_boot: bootstrap replicates.
    :param bootstrap_unit: ``transaction`` or ``day`` (resample whole days).
    :param seed: bootstrap seed.
    :param slice_tolerance: largest allowed drop of the metric in a slice.
    :param min_slice_positives: slices with fewer positives do not block.
    :param floors: metric -> minimum (maximum for lower-is-better metrics) for the challenger.
    """

    metric: str = "average_precision"
    min_delta: float = 0.0
    confidence: float = 0.95
    n_boot: int = 1000
    bootstrap_unit: str = "transaction"
    seed: int = 20240601
    slice_tolerance: float = 0.02
    min_slice_positives: int = 30
    floors: Mapping[str, float] = field(default_factory=lambda: {"roc_auc": 0.70, "average_precision": 0.10})

    def __post_init__(self) -> None:
        if self.metric not in BOOTSTRAP_METRICS:
            raise ValueError(f"promotion metric must be one of {BOOTSTRAP_METRICS}, got {self.metric!r}")
        if self.bootstrap_unit not in ("transaction", "day"):
            raise ValueError("bootstrap_unit must be 'transaction' or 'day'")
        unknown = set(self.floors) - set(HIGHER_IS_BETTER)
        if unknown:
            raise ValueError(f"floors on unknown metrics {sorted(unknown)}; known: {sorted(HIGHER_IS_BETTER)}")

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> PromotionRule:
        """Build from a dict (e.g. a YAML ``promotion:`` section); missing keys keep their defaults."""
        raw = dict(raw or {})
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown promotion rule keys {sorted(unknown)}")
        if "floors" in raw:
            raw["floors"] = {str(k): float(v) for k, v in (raw["floors"] or {}).items()}
        return cls(**raw)

    @classmethod
    def from_yaml(cls, path: str | Path) -> PromotionRule:
        """Read a rule from YAML (top level, or under a ``promotion:`` key)."""
        doc = yaml.safe_load(Path(path).read_text()) or {}
        return cls.from_mapping(doc.get("promotion", doc))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["floors"] = dict(self.floors)
        return d


@dataclass
class Check:
    """One step of the rule. ``blocking`` checks decide; the others are reported."""

    name: str
    passed: bool
    blocking: bool
    message: str

    def line(self) -> str:
        tag = ("PASS" if self.passed else "FAIL") if self.blocking else "INFO"
        return f"{tag}: {self.message}"


@dataclass
class Decision:
    """The outcome of the promotion rule.

    :param promote: whether the challenger should become champion.
    :param reasons: human-readable lines: a summary, then every check (``PASS``/``FAIL``/``INFO``).
    :param challenger_version: evaluated version.
    :param champion_version: the champion it was compared with (None on the first run).
    :param metric: the promotion metric.
    :param delta: improvement of the metric on the holdout (None without champion).
    :param ci_low: lower CI bound of the improvement.
    :param ci_high: upper CI bound.
    :param checks: structured checks.
    :param bootstrap: bootstrap details.
    :param report_uri: S3 URI of the HTML report (set by :func:`dataops.evaluation.decide`).
    :param decision_id: id in the registry's decisions table (set when recorded).
    """

    promote: bool
    reasons: list[str]
    challenger_version: str | None
    champion_version: str | None
    metric: str
    delta: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    checks: list[Check] = field(default_factory=list)
    bootstrap: dict | None = None
    report_uri: str | None = None
    decision_id: str | None = None

    def reject(self, name: str, message: str) -> None:
        """Add a failing blocking check and turn the decision into a rejection."""
        self.checks.append(Check(name, False, True, message))
        self.promote = False
        self.reasons = _reasons(self.checks)

    def note(self, name: str, message: str) -> None:
        """Add an informational line."""
        self.checks.append(Check(name, True, False, message))
        self.reasons = _reasons(self.checks)

    @classmethod
    def from_record(cls, row: Mapping[str, Any]) -> Decision:
        """The decision as recorded in the registry (a row of ``ModelRegistry.decisions()``)."""
        details = row.get("details") or {}
        return cls(promote=bool(row["promote"]), reasons=list(row["reasons"]),
                   challenger_version=row["challenger_version"], champion_version=row["champion_version"],
                   metric=row["metric"], delta=row["delta"], ci_low=row["ci_low"], ci_high=row["ci_high"],
                   checks=[Check(**c) for c in details.get("checks", [])], bootstrap=details.get("bootstrap"),
                   report_uri=row["report_uri"], decision_id=row["decision_id"])

    def to_dict(self) -> dict:
        """JSON-ready (e.g. for XCom)."""
        from dataops.metrics.serialize import to_jsonable

        d = asdict(self)
        return to_jsonable(d)


def _reasons(checks: list[Check]) -> list[str]:
    blocking = [c for c in checks if c.blocking]
    failed = [c for c in blocking if not c.passed]
    if failed:
        summary = f"reject: {len(failed)} of {len(blocking)} checks failed ({', '.join(c.name for c in failed)})"
    else:
        summary = f"promote: all {len(blocking)} checks passed"
    return [summary, *(c.line() for c in checks)]


def _fmt(x: float | None) -> str:
    return "n/a" if x is None or x != x else f"{x:.4f}"


def _floor_checks(metrics: Mapping[str, Any], rule: PromotionRule) -> list[Check]:
    checks = []
    for name, bound in sorted(rule.floors.items()):
        value = metrics.get(name)
        higher = HIGHER_IS_BETTER[name]
        ok = value is not None and value == value and (value >= bound if higher else value <= bound)
        op = ">=" if higher else "<="
        checks.append(Check(f"floor {name}", bool(ok), True,
                            f"challenger {name} {_fmt(value)} {'meets' if ok else 'misses'} the floor {op} {bound}"))
    return checks


def _slice_checks(ev: Evaluation, rule: PromotionRule) -> list[Check]:
    checks = []
    higher = HIGHER_IS_BETTER[rule.metric]
    for column, values in ev.slices["challenger"].items():
        for value, new in values.items():
            old = ev.slices["champion"][column][value]
            a, b = new[rule.metric], old[rule.metric]
            name = f"slice {column}={value}"
            if a is None or b is None or a != a or b != b:
                checks.append(Check(name, True, False, f"{name}: {rule.metric} undefined ({new['positives']} "
                                                       "positives), not blocking"))
                continue
            drop = (b - a) if higher else (a - b)
            desc = (f"{name}: {rule.metric} challenger {_fmt(a)} vs champion {_fmt(b)} "
                    f"({new['positives']} positives / {new['rows']} rows)")
            if new["positives"] < rule.min_slice_positives:
                flag = "regresses" if drop > rule.slice_tolerance else "within tolerance"
                checks.append(Check(name, True, False, f"{desc}: {flag}; fewer than {rule.min_slice_positives} "
                                                       "positives, not blocking"))
            else:
                ok = drop <= rule.slice_tolerance
                verdict = "no regression beyond" if ok else "regresses beyond"
                checks.append(Check(name, ok, True, f"{desc}: {verdict} tolerance {rule.slice_tolerance}"))
    return checks


def apply_rule(ev: Evaluation, rule: PromotionRule | None = None) -> Decision:
    """Decide on the challenger of ``ev`` (roles ``challenger`` and, if any, ``champion``).

    :param ev: the evaluation of both models on the same holdout.
    :param rule: the promotion rule (defaults if None).
    """
    rule = rule or PromotionRule()
    if "challenger" not in ev.scores:
        raise ValueError("the evaluation has no 'challenger' role")
    checks = _floor_checks(ev.metrics["challenger"], rule)
    decision = Decision(promote=False, reasons=[], challenger_version=ev.versions.get("challenger"),
                        champion_version=ev.versions.get("champion"), metric=rule.metric)
    if "champion" in ev.scores:
        groups = ev.days if rule.bootstrap_unit == "day" else None
        boot = paired_bootstrap(ev.y, ev.scores["challenger"], ev.scores["champion"], metric=rule.metric,
                                n_boot=rule.n_boot, confidence=rule.confidence, seed=rule.seed, groups=groups)
        decision.delta, decision.ci_low, decision.ci_high = boot.delta, boot.ci_low, boot.ci_high
        decision.bootstrap = boot.to_dict()
        ok = boot.ci_low == boot.ci_low and boot.ci_low > rule.min_delta
        pct = round(rule.confidence * 100)
        checks.append(Check(
            "bootstrap CI", bool(ok), True,
            f"{rule.metric} improvement {boot.delta:+.4f}, {pct}% CI [{boot.ci_low:+.4f}, {boot.ci_high:+.4f}] "
            f"({boot.n_valid} paired resamples of {boot.unit}s): lower bound "
            f"{'>' if ok else '<='} min_delta {rule.min_delta}",
        ))
        checks.extend(_slice_checks(ev, rule))
    else:
        checks.append(Check("first model", True, False, "no champion yet: the challenger is promoted if it meets "
                                                        "the floors"))
    decision.checks = checks
    decision.promote = all(c.passed for c in checks if c.blocking)
    decision.reasons = _reasons(checks)
    return decision

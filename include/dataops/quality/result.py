"""The gate's verdict on one batch: :class:`GateResult` (small JSON for XCom) and its failure message."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from dataops.spc import CRITICAL, IN_CONTROL, LEARNING, WARNING
from dataops.textsafe import printable


def _num(x: Any) -> str:
    return "n/a" if x is None else f"{x:.4g}" if isinstance(x, float) else str(x)


@dataclass
class GateResult:
    """Outcome of the quality gate for one dataset, batch and stage.

    :param dataset: dataset name.
    :param batch_date: ``YYYY-MM-DD``.
    :param stage: ``batch`` (before scoring) or ``post_score``.
    :param verdict: overall: ``critical`` (blocks), ``warning``, ``in_control`` or ``learning``.
    :param metrics: metric -> {value, n, verdict, status, centre, lcl, ucl, z, rules}.
    :param findings: every practically significant finding: metric, severity, rule, description, value,
        limits; plus GX contract failures (metric ``gx.<suite>.<expectation>.<column>``).
    :param acknowledged: critical findings on points an analyst labelled ``false_positive`` (not blocking).
    :param gx: summary of the GX checkpoint run (:class:`~dataops.quality.gx_runner.GXOutcome`).
    :param paths: ``data_docs`` URL and ``result`` (this JSON on disk).
    :param alerts: what the alerts API returned (None when nothing was alerted).
    """

    dataset: str
    batch_date: str
    stage: str = "batch"
    verdict: str = IN_CONTROL
    metrics: dict[str, dict] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)
    acknowledged: list[dict] = field(default_factory=list)
    gx: dict[str, Any] | None = None
    paths: dict[str, str | None] = field(default_factory=dict)
    alerts: dict[str, Any] | None = None

    @property
    def critical(self) -> list[dict]:
        return [f for f in self.findings if f["severity"] == CRITICAL]

    @property
    def blocking(self) -> bool:
        return bool(self.critical)

    def settle_verdict(self) -> str:
        """Set and return the overall verdict from the findings and the metrics' verdicts."""
        severities = {f["severity"] for f in self.findings}
        verdicts = {m["verdict"] for m in self.metrics.values()}
        if CRITICAL in severities:
            self.verdict = CRITICAL
        elif WARNING in severities:
            self.verdict = WARNING
        elif verdicts and verdicts <= {LEARNING}:
            self.verdict = LEARNING
        else:
            self.verdict = IN_CONTROL
        return self.verdict

    def describe(self, finding: dict) -> str:
        """One line: ``transactions.amount_log_mean 2026-03-14 = 3.91 outside [3.02, 3.48] (Nelson 1: ...)``.

        The description may quote the data (unexpected values, a rejected file's header): one printable line,
        so a failure message or log line cannot be split or coloured by a value.
        """
        name = printable(f"{self.dataset}.{finding['metric']} {self.batch_date}", 200)
        description = printable(finding["description"], 600)
        value, lcl, ucl = finding.get("value"), finding.get("lcl"), finding.get("ucl")
        if lcl is None or ucl is None:
            return f"{name} = {_num(value)} ({description})"
        outside = isinstance(value, int | float) and not (lcl <= value <= ucl)
        where = "outside" if outside else "within"
        return f"{name} = {_num(value)} {where} [{_num(lcl)}, {_num(ucl)}] ({description})"

    def failure_message(self) -> str:
        """The message the task fails with: every critical finding, one per line."""
        lines = [self.describe(f) for f in self.critical]
        head = f"quality gate: {len(lines)} critical finding(s) on {self.dataset} {self.batch_date}"
        docs = self.paths.get("data_docs")
        tail = [f"Data Docs: {docs}"] if docs else []
        return "\n".join([head, *lines, *tail])

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["blocking"] = self.blocking
        return d

"""A human approval of a promotion: what the approver reads, and the record of the answer.

The Innovation Pipeline asks for it when the dataset requires it (``promotion.require_approval``, or
``DATAOPS_REQUIRE_APPROVAL``): the promotion rule has already said "promote"; a person confirms or rejects.
The answer is recorded as a decision of its own (actor = the approver's login, ``details.review_of`` = the
rule's decision), so ``python -m dataops registry decisions`` shows both.
"""

from __future__ import annotations

from typing import Any

from dataops.textsafe import md_code, md_link, md_text, printable

APPROVE, REJECT = "Approve", "Reject"


def _num(x: Any, fmt: str = "+.4f") -> str:
    return "n/a" if x is None else format(float(x), fmt)


def approval_subject(model: str, evaluation: dict[str, Any]) -> str:
    """``Promote transactions v3 (AP +0.0412) over v2?``."""
    return printable(f"Promote {model} {evaluation['version']} ({evaluation.get('metric') or 'gain'} "
                     f"{_num(evaluation.get('delta'))}) over {evaluation.get('champion_version') or 'no champion'}?",
                     250)


def approval_body(model: str, evaluation: dict[str, Any], *, report_url: str | None = None) -> str:
    """Markdown: the gain and its confidence interval, every check of the rule (slices included), the report.

    :param model: registered model.
    :param evaluation: the evaluation task's JSON (``version``, ``champion_version``, ``metric``, ``delta``,
        ``ci_low``, ``ci_high``, ``reasons``).
    :param report_url: the served evaluation report.
    """
    # the checks name slices by the data's values (channel, country ...): escaped, never Markdown
    lines = [f"The promotion rule says **promote** {md_code(evaluation['version'])} over "
             f"{md_code(evaluation.get('champion_version') or 'no champion')} (model {md_code(model)}).", "",
             "| metric | gain on the out-of-time holdout | 95% confidence interval |", "|---|---|---|",
             f"| {md_text(evaluation.get('metric') or 'n/a').replace(chr(92) + '_', '_')} | "
             f"{_num(evaluation.get('delta'))} | [{_num(evaluation.get('ci_low'))}, {_num(evaluation.get('ci_high'))}] |",
             "",
             "**Checks** (slices included):", ""]
    lines += [f"- {md_text(line, 500)}" for line in evaluation.get("reasons") or []]
    if report_url:
        lines += ["", f"{md_link('Evaluation report', report_url)} (metrics, slices, PR curve, calibration)"]
    lines += ["", "`Approve` promotes it now; `Reject` records the rejection. Without an answer before the "
              "timeout the promotion is rejected. Your answer is recorded with your Airflow login."]
    return "\n".join(lines)


def record_review(registry: Any, evaluation: dict[str, Any], *, approved: bool, reviewer: str | None,
                  run_key: str, timed_out: bool = False) -> str:
    """Record the human answer as a decision (idempotent per ``run_key``); returns its id.

    :param registry: the :class:`~dataops.registry.ModelRegistry`.
    :param evaluation: the evaluation task's JSON (the rule's decision).
    :param approved: the answer.
    :param reviewer: the authenticated login that answered (None when the timeout answered).
    :param run_key: the deciding run (``<dag_id>/<run_id>/review``): a retry records nothing twice.
    :param timed_out: nobody answered before the timeout (recorded as a rejection by ``approval-timeout``).
    """
    who = reviewer or "approval-timeout"
    verdict = "approved" if approved else ("rejected: no answer before the timeout" if timed_out else "rejected")
    reasons = [f"human review of decision {evaluation['decision_id']}: {verdict} by {who}"]
    return registry.record_decision(
        challenger_version=evaluation["version"], champion_version=evaluation.get("champion_version"),
        promote=approved, reasons=reasons, actor=who, metric=evaluation.get("metric"),
        delta=evaluation.get("delta"), ci_low=evaluation.get("ci_low"), ci_high=evaluation.get("ci_high"),
        details={"review_of": evaluation["decision_id"], "approved": approved, "timed_out": timed_out},
        report_uri=evaluation.get("report_uri"), run_key=run_key)

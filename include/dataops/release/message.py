"""The e-mail of a release step that needs people: a canary or new champion rolled back, a green slot dropped.

Plain text, short: what happened, by how much (every failed check with the champion's limits), what the
pipeline already did, and what to do next, with the links that open the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import Any

WHAT_TO_DO = {
    "rollback": ("Nothing is waiting: the decisions of {day} are the restored champion's, and the next batches "
                 "score with it. Look at the failed checks; the rolled-back version stays in the registry for "
                 "analysis (python -m dataops registry history)."),
    "reject": ("The champion keeps every decision. The green version stays in the registry; retrain or release "
               "it with another strategy once the difference is understood."),
}
SUBJECT = {"rollback": "[RELEASE ROLLED BACK]", "reject": "[RELEASE NOT SWITCHED]"}


def release_message(outcome: Mapping[str, Any], dataset: str, recipients: Sequence[str],
                    links: Mapping[str, str] | None = None) -> EmailMessage:
    """The e-mail for a release step's ``outcome`` (:func:`dataops.release.step.release_step`)."""
    action = str(outcome["action"])
    msg = EmailMessage()
    msg["Subject"] = f"{SUBJECT.get(action, '[RELEASE]')} {dataset} {outcome['role']} {outcome['version']} " \
                     f"on {outcome['day']}"
    msg["To"] = ", ".join(recipients)
    lines = [str(outcome["reason"]), ""]
    if outcome.get("checks"):
        lines += ["Checks against the champion's control limits:", *[f"  - {c}" for c in outcome["checks"]], ""]
    if "comparison" in outcome:
        c = outcome["comparison"]
        lines += ["Blue/green comparison on the same batch:",
                  f"  {c['rows']:,} transactions, score PSI {c['score_psi']:.3f}, flag rate "
                  f"{c['flag_rate_blue']:.2%} (blue) vs {c['flag_rate_green']:.2%} (green), "
                  f"{c['agreement']:.2%} same decisions",
                  *[f"  - {f}" for f in c["failures"]], ""]
    lines += ["What to do: " + WHAT_TO_DO.get(action, "see the DataOps view.").format(day=outcome["day"]), ""]
    for name, url in (links or {}).items():
        lines.append(f"{name}: {url}")
    msg.set_content("\n".join(lines))
    return msg

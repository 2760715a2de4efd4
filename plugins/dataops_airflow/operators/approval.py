"""The human approval of a promotion: Airflow's ``ApprovalOperator`` that records the answer in the registry.

Its subject and body are the evaluation summary (:mod:`dataops.evaluation.approval`), read from the
evaluation task's XCom when the request is made. Every answer is recorded as a decision under the run key
``<dag_id>/<run_id>/review`` (:func:`dataops.evaluation.approval.record_review`) with the login that
answered: ``Approve`` lets the downstream promotion run (which moves the alias as that login); ``Reject`` -
or no answer before ``response_timeout``, answered by the default ``Reject`` - skips it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator


def review_run_key(dag_id: str, run_id: str) -> str:
    """The run key the approval's answer is recorded under."""
    return f"{dag_id}/{run_id}/review"


class PromotionApprovalOperator(ApprovalOperator):
    """Ask a human to approve the promotion the rule proposed; the answer is recorded as a decision.

    :param model: registered model.
    :param evaluation_task_id: the task returning the evaluation JSON (``version``, ``decision_id``, ...).
    :param response_timeout: how long to wait before the default ``Reject``.
    """

    def __init__(self, *, model: str, evaluation_task_id: str, response_timeout: timedelta, **kwargs: Any) -> None:
        kwargs.setdefault("subject", f"Promote a new {model} champion?")  # replaced by the summary in execute
        super().__init__(defaults="Reject", response_timeout=response_timeout, **kwargs)
        self.model = model
        self.evaluation_task_id = evaluation_task_id

    def execute(self, context: Any) -> Any:
        from dataops.evaluation.approval import approval_body, approval_subject

        evaluation = context["ti"].xcom_pull(task_ids=self.evaluation_task_id)
        self.subject = approval_subject(self.model, evaluation)
        self.body = approval_body(self.model, evaluation, report_url=evaluation.get("report_url"))
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        from dataops.evaluation.approval import record_review
        from dataops_airflow.hooks import RegistryHook

        answer = super().execute_complete(context, event)  # on Reject the promotion is skipped
        ti = context["ti"]
        evaluation = ti.xcom_pull(task_ids=self.evaluation_task_id)
        reviewer = (answer.get("responded_by_user") or {}).get("name")
        approved = answer["chosen_options"][0] == self.APPROVE
        decision_id = record_review(RegistryHook(model_name=self.model).get_conn(), evaluation, approved=approved,
                                    reviewer=reviewer, timed_out=reviewer is None,
                                    run_key=review_run_key(ti.dag_id, ti.run_id))
        self.log.info("promotion of %s %s by %s (decision %s)", evaluation["version"],
                      "approved" if approved else "rejected", reviewer or "the timeout", decision_id)
        return answer

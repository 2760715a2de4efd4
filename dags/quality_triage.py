"""Quality triage: the analysts answer one incident (a batch the gate stopped) under "Required Actions"."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import Param, dag, task

from dataops.settings import triage_timing
from dataops.weblinks import TRIAGE_DAG_ID, TRIAGE_TASK_ID
from dataops_airflow.notifiers import OpsFailureNotifier
from dataops_airflow.notifiers.triage_reminder import TriageReminderNotifier
from dataops_airflow.operators.triage import RerunBatchOperator
from dataops_airflow.settings import WAREHOUSE_POOL

TIMING = triage_timing()  # environment only (DATAOPS_TRIAGE_REMINDER_AFTER, DATAOPS_TRIAGE_REMINDERS)

DOC = """
### Quality triage — one run per incident

Started by the Value Pipeline's `quality.open_triage` task when the quality gate stopped a batch on a
critical finding (run id `triage__<dataset>__<batch date>`; the analysts' alert e-mail links to its action).
It does not block the next days: the Value Pipeline goes on while this run waits.

| task | what it does |
|---|---|
| `analyst_verdict` | **Required Action** for the analysts: the findings, their control charts and links; answer `known_bad` or `false_positive` with a comment. Unanswered after `DATAOPS_TRIAGE_REMINDER_AFTER` seconds (default 24 h) the analysts get a reminder e-mail, up to `DATAOPS_TRIAGE_REMINDERS` times (default 3); then the task fails and operations are mailed — never a silent default |
| `apply_verdict` | labels the batch's points with the answer, **attributed to the login that answered** (never a typed name), writes the audit (`quality.label_audit`) and re-judges the batch for a false positive |
| `rerun_batch` | `false_positive`: clears the stopped Value Pipeline run, which runs again (gate, then scoring) with the points back in the baseline; `known_bad`: skipped — the day stays out of every baseline and of model training |

Fallback for operators without the UI: the `quality_labels` DAG or `python -m dataops` (see the README).
"""


@dag(
    dag_id=TRIAGE_DAG_ID,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=64,  # every open incident waits in a run of its own
    is_paused_upon_creation=False,  # runs only when a gate opens an incident: never left waiting paused
    default_args={"owner": "data-quality", "retries": 1, "retry_delay": timedelta(seconds=30),
                  "on_failure_callback": OpsFailureNotifier()},
    doc_md=DOC,
    tags=["quality", "triage", "human-in-the-loop"],
    params={"dataset": Param(None, type=["null", "string"]), "batch_date": Param(None, type=["null", "string"])},
)
def quality_triage():
    verdict = HITLOperator(
        task_id=TRIAGE_TASK_ID,
        subject="{{ dag_run.conf['subject'] }}",
        body="{{ dag_run.conf['body'] }}",
        options=["known_bad", "false_positive"],
        # no minLength: task params are validated before the form is answered (empty is the unanswered value)
        params={"comment": Param("", type="string", title="Comment",
                                 description="Why (kept in the label audit).")},
        response_timeout=timedelta(seconds=TIMING["reminder_after"]),
        retries=int(TIMING["reminders"]),  # each timed-out wait is followed by a reminder and a new wait
        retry_delay=timedelta(0),
        notifiers=[TriageReminderNotifier(reminder_after=TIMING["reminder_after"])],
        doc_md="The analysts' answer: `known_bad` or `false_positive`, with a comment.",
    )

    @task(pool=WAREHOUSE_POOL, doc_md="Labels the batch with the answer, attributed to the login that answered.")
    def apply_verdict(dag_run=None, ti=None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from dataops.quality.labels import apply_label
        from dataops_airflow.hooks import WarehouseHook

        answer = ti.xcom_pull(task_ids=TRIAGE_TASK_ID) or {}
        user = (answer.get("responded_by_user") or {}).get("name")
        if not user or not answer.get("chosen_options"):
            raise AirflowFailException(f"the answer names no authenticated user or option: {answer}")
        conf, choice = dag_run.conf, answer["chosen_options"][0]
        comment = (answer.get("params_input") or {}).get("comment") or choice
        out = apply_label(WarehouseHook().get_location(), conf["dataset"], conf["batch_date"], choice,
                          comment=comment, labelled_by=str(user), run_id=ti.run_id)
        print(f"{conf['dataset']} {conf['batch_date']}: {choice} by {user} ({comment})")
        return {**out, "labelled_by": str(user)}

    rerun = RerunBatchOperator(task_id="rerun_batch", verdict_task_id="apply_verdict",
                               doc_md="False positive: clears the stopped Value Pipeline run so the day runs "
                                      "again; known bad: skipped.")
    verdict >> apply_verdict() >> rerun


quality_triage()

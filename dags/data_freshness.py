"""Data freshness: every morning, how long since each dataset's last batch landed and since its champion scored."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronTriggerTimetable, dag

from dataops.datasets import list_datasets
from dataops.settings import retry_delay
from dataops_airflow.notifiers import OpsFailureNotifier

DATASETS = list_datasets()  # the dataset YAML files (repository configuration, read at parse time)

DOC = """
### Data freshness

Runs every day at 06:00 UTC, one task per dataset (`check_<dataset>`), apart from the Value Pipeline so that
it still speaks when the pipeline itself has stopped.

| metric | what | limits (`expectations/metrics/<dataset>.yaml`) |
|---|---|---|
| `hours_since_landed` | hours from the newest batch's `_manifest.json` in the landing bucket to the check | warning above 30 h, critical above 54 h |
| `hours_since_scored` | hours from the champion's last prediction of the dataset (`marts.predictions`) to the check | warning above 30 h, critical above 54 h |

Both are measured as of the run's logical time (a rerun measures the same instant), recorded in
`quality.metric_history` like every metric and shown in the DataOps view (family *staleness*). A limit crossed
**mails operations** (`DATAOPS_OPS_RECIPIENTS`): the finding says since when and where to look (the upstream
export and the bucket for a late batch; the Value Pipeline's latest runs for a late scoring). A critical verdict
fails the task, so the grid shows it too.
"""


@dag(
    dag_id="data_freshness",
    schedule=CronTriggerTimetable("0 6 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC,
    tags=["monitoring", "operations"],
    default_args={"owner": "data-platform", "retries": 2, "retry_delay": retry_delay(timedelta(minutes=1)),
                  "on_failure_callback": OpsFailureNotifier()},
)
def data_freshness():
    from dataops_airflow.operators.quality import QualityGateOperator

    for dataset in DATASETS:
        QualityGateOperator(task_id=f"check_{dataset}", dataset=dataset, stage="freshness", run_gx=False,
                            doc_md=f"Hours since `{dataset}`'s last landed batch and since its champion scored, "
                                   "against the dataset's limits; operations are mailed when one is crossed.")


data_freshness()

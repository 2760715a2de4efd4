"""Value Pipeline: the daily production DAG, one per dataset YAML (``value_pipeline_<dataset>``).

Everything dataset-specific comes from the dataset's YAML (sources, dbt selection, marts, model name), read at
parse time like cosmos reads the dbt manifest: repository configuration only, no service, connection or Variable.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, task, task_group

from dataops.datasets import DatasetConfig, list_datasets, load_dataset
from dataops.settings import retry_delay, sensor_timing
from dataops_airflow.assets import outcome_drift_asset, predictions_asset, score_drift_asset, table_asset
from dataops_airflow.dbt_group import dbt_transform_group
from dataops_airflow.notifiers import OpsFailureNotifier
from dataops_airflow.operators import IngestBatchOperator, ScoreBatchOperator
from dataops_airflow.sensors import LandedBatchSensor
from dataops_airflow.settings import WAREHOUSE_POOL

DOC = """
### Value Pipeline — `{dataset}`

Runs every day on the batch that the upstream system lands in S3 (`s3://<landing>/<source>/batch_date=<ds>/`).

| group | what it does | if it fails |
|---|---|---|
| `ingest` | waits for each source's manifest (reschedule mode), checks the file contract, loads valid rows into `raw.*` and quarantines the rest with a reason (`raw.quarantine`) | a late batch times out with the missing key in the message; a contract break names the file, the column and what was expected — the file is in the `quarantine/` prefix |
| `transform` | dbt (one task per model, `dbt build` = run + tests) for the batch date | the log names the failing model or test |
| `quality` | statistical process control gate (Great Expectations); `open_triage` opens the analysts' triage of a stopped batch (a `quality_triage` run) | a critical finding blocks scoring; analysts get an email linking to their Required Action |
| `score` | `release_plan` reads the registry once for the batch; the champion scores it in bounded-memory chunks and a release's challenger (shadow, canary, green, standby) alongside; `release_step` holds, promotes, switches or rolls back the release and moves the day's decisions with it | skipped with a clear message when there is no champion yet; a rollback mails the analysts and operations |
| `monitor` | `outcome_quality`: the champion's precision at the alert budget, recall at the fixed false-positive rate and average precision on the scoring day whose chargebacks matured (`ds` minus the dataset's `label_maturity_days`), judged with SPC; `signal_outcome_drift` emits the outcome-drift Asset (it triggers the Innovation Pipeline) when they dropped | nothing stops: a drop is a warning for the analysts and a retraining |
| `publish` | emits the Assets other DAGs are scheduled on: the marts once the gate passed, the predictions once the release step ran and `score_metrics` passed (a skipped challenger does not matter) | a failed gate publishes nothing |
| `pipeline_speed` | after the predictions are published: each task's seconds of work in this run (Airflow's task-instance records) and rows per second of the load and the scoring, judged with SPC against earlier runs (Shewhart for a jump, EWMA for a slow leak) | nothing stops: a slower pipeline is a warning mailed to operations |

Every task is idempotent for its `ds`: reruns replace that date's partition and never duplicate rows.
Warehouse writes share the `warehouse` pool (DuckDB allows one writer), so backfills queue instead of failing.
"""

DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": retry_delay(timedelta(minutes=1)),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": OpsFailureNotifier(),  # a failure after the retries e-mails operations
}


def _ingest_source(cfg: DatasetConfig, source: str) -> None:
    """Sensor on the source's manifest, then its load (inside the ``ingest`` group)."""
    src = cfg.sources[source]
    wait = LandedBatchSensor(
        task_id=f"wait_for_{source}", prefix=src.prefix, **sensor_timing(),
        doc_md=f"Waits for `{src.prefix}/batch_date={{{{ ds }}}}/_manifest.json` in the landing bucket.",
    )
    load = IngestBatchOperator(
        task_id=f"load_{source}", dataset=cfg.name, source=source, fail_on_rejected_file=False,
        doc_md=f"Loads `{source}` into `{src.raw_table}`; bad rows go to `raw.quarantine` with a reason.",
    )
    wait >> load


def _signal_score_drift(dataset: str):
    """The task that emits the dataset's score-drift Asset on a drift day (skipped otherwise)."""

    @task(outlets=[score_drift_asset(dataset)], trigger_rule="all_done", pool=WAREHOUSE_POOL,
          doc_md="Emits the score-drift Asset (which triggers the Innovation Pipeline) when the score SPC "
                 "flagged this batch; skipped otherwise.")
    def signal_score_drift(ds=None) -> list[str]:
        from airflow.sdk.exceptions import AirflowSkipException

        from dataops.quality.drift import score_drift
        from dataops_airflow.hooks import WarehouseHook

        drifted = score_drift(WarehouseHook().get_location(), dataset, ds)
        if not drifted:
            raise AirflowSkipException("no score drift on this batch")
        return drifted

    return signal_score_drift()


def _monitor_outcomes(cfg: DatasetConfig):
    """The ``monitor`` group: the champion's outcome on the scoring day whose labels matured, and the signal."""
    from dataops_airflow.operators.quality import QualityGateOperator

    dataset, maturity = cfg.name, cfg.label_maturity_days

    @task_group(group_id="monitor")
    def monitor():
        outcome = QualityGateOperator(
            task_id="outcome_quality", dataset=dataset, stage="outcome", run_gx=False,
            batch_date=f"{{{{ macros.ds_add(ds, -{maturity}) }}}}",
            doc_md=f"SPC on the champion's outcome on the scoring day {maturity} days back, whose chargebacks "
                   "have matured: precision at the daily alert budget, recall at the fixed false-positive rate, "
                   "average precision. Never blocks; a drop warns the analysts and signals a retraining.")

        @task(outlets=[outcome_drift_asset(dataset)], pool=WAREHOUSE_POOL,
              doc_md="Emits the outcome-drift Asset (which triggers the Innovation Pipeline) when the champion's "
                     "outcome on the matured scoring day dropped out of control; skipped otherwise.")
        def signal_outcome_drift(ds=None) -> list[str]:
            from airflow.sdk.exceptions import AirflowSkipException

            from dataops.monitoring.outcomes import scoring_day
            from dataops.quality.drift import outcome_drift
            from dataops_airflow.hooks import WarehouseHook

            day = scoring_day(ds, maturity)
            dropped = outcome_drift(WarehouseHook().get_location(), dataset, day)
            if not dropped:
                raise AirflowSkipException(f"the champion's outcome on {day} is in control")
            return dropped

        outcome >> signal_outcome_drift()

    return monitor()


def _pipeline_speed(dataset: str):
    """The run's own speed, once the predictions are published (a stopped day is not a speed sample)."""
    from dataops_airflow.operators.quality import QualityGateOperator

    return QualityGateOperator(
        task_id="pipeline_speed", dataset=dataset, stage="pipeline", run_gx=False,
        doc_md="Seconds of work of this run's tasks (Airflow's task-instance records) and rows per second, "
               "judged with SPC against earlier runs (a jump, a slow leak); operations are mailed, the run goes on.")


def build_value_pipeline(cfg: DatasetConfig):
    dataset = cfg.name

    @dag(
        dag_id=f"value_pipeline_{dataset}",
        # a day's batch is processed once the day is over: ds = the interval start = the batch date
        schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=timedelta(hours=6),
        default_args=DEFAULT_ARGS,
        doc_md=DOC.format(dataset=dataset),
        tags=["value-pipeline", "production", dataset],
    )
    def value_pipeline():
        @task_group(group_id="ingest")
        def ingest():
            for source in cfg.sources:
                _ingest_source(cfg, source)

        @task_group(group_id="quality")
        def quality():
            from dataops_airflow.operators.quality import QualityGateOperator
            from dataops_airflow.operators.triage import OpenTriageOperator

            gate = QualityGateOperator(
                task_id="spc_gate", dataset=dataset, stage="batch",
                doc_md="SPC gate: metrics by SQL pushdown, control limits from the history, GX checkpoint with "
                       "those limits, Data Docs (extra link), alert e-mail. A critical finding fails the task "
                       "(no retry) and blocks scoring; label a false positive with the `quality_labels` DAG "
                       "and clear this task to continue.",
            )
            gate >> OpenTriageOperator(
                task_id="open_triage", gate_task_id=gate.task_id, retries=1,
                doc_md="When the gate stopped the batch on a critical finding: starts this batch's "
                       "`quality_triage` run (the analysts' Required Action); skipped otherwise.")

        @task_group(group_id="score")
        def score():
            from dataops_airflow.operators.quality import QualityGateOperator
            from dataops_airflow.operators.release import ReleasePlanOperator, ReleaseStepOperator

            plan = ReleasePlanOperator(
                task_id="release_plan", dataset=dataset,
                doc_md="Reads the registry once for this batch: the champion's version and, during a release, the "
                       "challenger's slot (shadow, canary, green, standby) and the share of transactions it decides.")
            champion = ScoreBatchOperator(
                task_id="score_champion", dataset=dataset, role="champion", plan=plan.output,
                doc_md="Scores every transaction with the plan's `champion`; its rows decide all of them but a "
                       "canary's share.")
            challenger = ScoreBatchOperator(
                task_id="score_challenger", dataset=dataset, role="challenger", plan=plan.output,
                doc_md="Scores every transaction with the plan's challenger (shadow, canary, green or standby; "
                       "skipped when none): a canary decides its share, the others decide nothing.")
            step = ReleaseStepOperator(
                task_id="release_step", dataset=dataset, plan_task_id=plan.task_id, trigger_rule="all_done",
                doc_md="A canary holds, is promoted at the end of its schedule or is rolled back on a finding "
                       "beyond the champion's limits; a green slot is switched to or dropped; a new champion "
                       "under watch is kept or switched back to the standby. The day's decisions move with the "
                       "aliases; a rollback e-mails the analysts and operations. Runs whatever the challenger's "
                       "scoring did: a canary that failed to score its share is rolled back, its share handed back "
                       "to the champion; skipped when the batch was not planned (its gate stopped it).")
            score_metrics = QualityGateOperator(
                task_id="score_metrics", dataset=dataset, stage="post_score", run_gx=False,
                doc_md="SPC on the champion's scores (mean, share above the decision threshold); a critical "
                       "shift fails here so the predictions are not published.")
            plan >> [champion, challenger, step]
            [champion, challenger] >> step >> score_metrics
            champion >> score_metrics  # no champion (skipped): no score metrics to judge

        @task_group(group_id="publish")
        def publish():
            @task(outlets=[table_asset(t) for t in cfg.marts], doc_md="Announces the day's marts as Assets.")
            def publish_marts(ds=None) -> str:
                return ds

            @task(outlets=[predictions_asset(dataset)], doc_md="Announces the day's predictions as an Asset.")
            def publish_predictions(ds=None) -> str:
                return ds

            return publish_marts(), publish_predictions()


        transform = dbt_transform_group("transform", select=list(cfg.dbt_select), default_args=DEFAULT_ARGS)
        gate_group = quality()
        gate = gate_group.get_child_by_label("spc_gate")  # not open_triage, which skips on a passing day
        scored = score()
        ingested = ingest()
        ingested >> transform >> gate_group
        ingested >> _monitor_outcomes(cfg)  # the day's chargebacks are loaded: the matured day can be judged
        gate >> scored
        # Publish follows what it announces, not the whole score group: the challenger task skips on every day
        # without a release, and a skipped upstream would skip the publication under all_success.
        # The marts are announced once the gate passed; the predictions once the champion scored and its
        # score SPC (score_metrics) passed. A failed gate (or score SPC) publishes nothing.
        marts, predictions = publish()
        gate >> marts
        scored.get_child_by_label("score_metrics") >> predictions
        scored >> _signal_score_drift(dataset)
        predictions >> _pipeline_speed(dataset)

    return value_pipeline()


for _name in list_datasets():
    build_value_pipeline(load_dataset(_name))

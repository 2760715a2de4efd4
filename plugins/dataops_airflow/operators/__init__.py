from dataops_airflow.operators.ingest import IngestBatchOperator
from dataops_airflow.operators.score import ScoreBatchOperator

__all__ = ["IngestBatchOperator", "ScoreBatchOperator"]

"""How an analyst labels a batch after an alert: the ``quality_labels`` DAG, from the CLI or the UI."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

LABEL_DAG = "quality_labels"
LABEL_VERDICTS = ("known_bad", "false_positive")


@dataclass(frozen=True)
class LabelSteps:
    """The exact commands and the UI path to label ``batch_date`` of ``dataset``."""

    commands: dict[str, str]
    ui_path: str


def label_command(dataset: str, batch_date: str, verdict: str, comment: str = "why, ticket, who") -> str:
    """``airflow dags trigger quality_labels --conf '{...}'`` with the parameters shell-quoted.

    :param verdict: ``known_bad`` (leave the batch out of the baseline) or ``false_positive``.
    """
    if verdict not in LABEL_VERDICTS:
        raise ValueError(f"verdict must be one of {LABEL_VERDICTS}, got {verdict!r}")
    conf = json.dumps({"dataset": dataset, "batch_date": batch_date, "verdict": verdict, "comment": comment})
    return f"airflow dags trigger {LABEL_DAG} --conf {shlex.quote(conf)}"


def label_steps(dataset: str, batch_date: str) -> LabelSteps:
    """Both label commands and the UI path for one batch."""
    ui = (f"Airflow UI -> Dags -> {LABEL_DAG} -> Trigger -> fill dataset = {dataset}, "
          f"batch_date = {batch_date}, verdict = known_bad | false_positive, comment -> Trigger")
    return LabelSteps(commands={v: label_command(dataset, batch_date, v) for v in LABEL_VERDICTS}, ui_path=ui)

"""Task failures that are outcomes, not technical faults: the failure notifier tells them apart by type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk.exceptions import AirflowFailException, AirflowSensorTimeout

if TYPE_CHECKING:  # DAG files import this module (through the notifiers): keep their parse light
    from dataops.alerts.late_batch import LateBatch


class DataQualityFailure(AirflowFailException):
    """The quality gate stopped the batch on a critical finding (no retry).

    A data verdict, already e-mailed to the dataset's analysts with the triage link: operations' failure
    e-mail (:class:`dataops_airflow.notifiers.OpsFailureNotifier`) skips it.
    """


class BatchLate(AirflowSensorTimeout):
    """The landed-batch sensor timed out: the batch's manifest is missing.

    :param late: the missing key and the expected time (operations get an e-mail naming both).
    :param message: the task's failure message.
    """

    def __init__(self, late: LateBatch, message: str) -> None:
        super().__init__(message)
        self.late = late

    def __reduce__(self):
        """Pickle with both arguments (the default would call ``BatchLate(message)``)."""
        return (type(self), (self.late, str(self)))

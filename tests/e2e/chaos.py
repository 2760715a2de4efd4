"""Disturbances played during a scenario: a Celery worker SIGKILLed in the middle of a day's ingest.

The kill is placed by what the task does, not by a timer: the ingest downloads each landed part into a
temporary folder before it parses and publishes the batch (one transaction). The stack's workers get their
own ``TMPDIR``; the moment the day's first part appears there, both workers are frozen (SIGSTOP), the task
instance's worker is found (its ``airflow supervisor: <ti_id>`` process) and SIGKILLed with its whole process
group, and the other worker is let go (SIGCONT). The retry's log then says ``loading ... v1``: the killed try
had published nothing.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from dataops.devstack.airflow_api import AirflowApi
from dataops.devstack.demo import VALUE_DAG

INGEST_TASK = "ingest.load_transactions"


@dataclass
class Kill:
    worker: str
    ti_id: str
    day: str
    part: str


class KillWorkerMidIngest(threading.Thread):
    """SIGKILLs the worker running ``ingest.load_transactions`` of ``day`` once it has begun downloading.

    :param api: the stack's REST API (a client of its own is made for this thread).
    :param tmp_dir: the workers' ``TMPDIR``.
    :param run_dir: where the worker pid files (``worker<i>.pid``, each the leader of its process group) live.
    :param day: the batch date (``YYYY-MM-DD``) whose ingest is interrupted.
    """

    def __init__(self, api: AirflowApi, tmp_dir: Path, run_dir: Path, day: str) -> None:
        super().__init__(daemon=True)
        self.api = AirflowApi(api.base_url, api.username, api.password)
        self.tmp_dir, self.run_dir, self.day = tmp_dir, run_dir, day
        self.prefix = f"transactions__batch_date={day}__"
        self.kill: Kill | None = None
        self.error: str | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            part = self._downloading()
            if part:
                try:
                    self._kill(part)
                except Exception as exc:  # the test reports it; the workers must not stay frozen
                    self.error = f"{type(exc).__name__}: {exc}"
                    self._signal_workers(signal.SIGCONT)
                return
            time.sleep(0.002)

    def _downloading(self) -> str | None:
        try:
            for folder in self.tmp_dir.iterdir():
                for entry in folder.iterdir() if folder.is_dir() else ():
                    if entry.name.startswith(self.prefix):
                        return entry.name
        except FileNotFoundError:  # a folder went away while it was listed
            pass
        return None

    def _workers(self) -> dict[str, int]:
        return {p.stem: int(p.read_text()) for p in self.run_dir.glob("worker*.pid")}

    def _signal_workers(self, sig: int, only: set[str] | None = None) -> None:
        for name, group in self._workers().items():
            if only is None or name in only:
                os.killpg(group, sig)

    def _kill(self, part: str) -> None:
        self._signal_workers(signal.SIGSTOP)  # nothing moves while the task's worker is looked up
        run = next(r for r in self.api.runs(VALUE_DAG) if r["logical_date"][:10] == self.day)
        ti = next(t for t in self.api.task_instances(VALUE_DAG, run["dag_run_id"]) if t["task_id"] == INGEST_TASK)
        group = _supervisor_group(ti["id"])
        worker = next((name for name, g in self._workers().items() if g == group), None)
        if worker is None:
            raise RuntimeError(f"no worker process runs task instance {ti['id']} (supervisor group {group})")
        os.killpg(group, signal.SIGKILL)
        self._signal_workers(signal.SIGCONT, only=set(self._workers()) - {worker})
        self.kill = Kill(worker=worker, ti_id=ti["id"], day=self.day, part=part)


def _supervisor_group(ti_id: str) -> int | None:
    """The process group of the ``airflow supervisor: <ti_id>`` process (its Celery worker's group)."""
    title = f"airflow supervisor: {ti_id}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "cmdline").read_bytes().startswith(title):
                return os.getpgid(int(proc.name))
        except (OSError, ProcessLookupError):
            continue
    return None

"""Disturbances played during a scenario: a Celery worker SIGKILLed in the middle of a day's ingest.

The kill is placed by what the task does, not by a timer: the ingest downloads each landed part into a
temporary folder before it parses and publishes the batch (one transaction). The stack's workers get their
own ``TMPDIR``; the moment the day's first part appears there, every task process of the stack is frozen
(SIGSTOP). Then the ingest's task instance is looked up, its worker found (the task runner
``airflow worker -- <ti_id>`` is a child of the worker's ``airflow supervisor``) and SIGKILLed: the worker's
process group and every task runner it supervised (each runner has a process group of its own). Everything
else is let go (SIGCONT). The retry's log then says ``loading ... v1``: the killed try had published nothing.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from dataops.devstack.airflow_api import AirflowApi
from dataops.devstack.demo import VALUE_DAG
from tests.e2e.procs import reap as _reap
from tests.e2e.procs import signal_all as _signal
from tests.e2e.procs import task_runners

INGEST_TASK = "ingest.load_transactions"


@dataclass
class Kill:
    worker: str
    ti_id: str
    day: str
    part: str
    runners_killed: int


class KillWorkerMidIngest(threading.Thread):
    """SIGKILLs the worker running ``ingest.load_transactions`` of ``day`` once it has begun downloading.

    :param api: the stack's REST API (a client of its own is made for this thread).
    :param tmp_dir: the workers' ``TMPDIR``.
    :param run_dir: where the worker pid files (``worker<i>.pid``, each the leader of its process group) live.
    :param day: the batch date (``YYYY-MM-DD``) whose ingest is interrupted.
    """

    def __init__(self, api: AirflowApi, tmp_dir: Path, run_dir: Path, day: str) -> None:
        super().__init__(daemon=True)
        self.api = dataclasses.replace(api)  # a client of its own: httpx clients are not shared across threads
        self.tmp_dir, self.run_dir, self.day = tmp_dir, run_dir, day
        self.prefix = f"transactions__batch_date={day}__"
        self.kill: Kill | None = None
        self.error: str | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            part = self._downloading()
            if part:
                self._interrupt(part)
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

    def _interrupt(self, part: str) -> None:
        workers = {p.stem: int(p.read_text()) for p in self.run_dir.glob("worker*.pid")}
        runners = _runners(set(workers.values()))  # ti_id -> (runner pid, its worker's group)
        frozen = [pid for pid, _ in runners.values()] + [-group for group in workers.values()]
        _signal(frozen, signal.SIGSTOP)  # nothing of this stack moves while the ingest's worker is looked up
        try:
            ti_id = self._ingest_ti_id()
            if ti_id not in runners:
                raise RuntimeError(f"no task runner of this stack runs {INGEST_TASK} {self.day} ({ti_id})")
            group = runners[ti_id][1]
            worker = next(name for name, g in workers.items() if g == group)
            doomed = [pid for pid, g in runners.values() if g == group]
            _signal([-group] + [-os.getpgid(pid) for pid in doomed], signal.SIGKILL)
            _reap(workers[worker])
            self.kill = Kill(worker=worker, ti_id=ti_id, day=self.day, part=part, runners_killed=len(doomed))
        except Exception as exc:  # the test reports it
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            _signal(frozen, signal.SIGCONT)

    def _ingest_ti_id(self) -> str:
        run = next(r for r in self.api.runs(VALUE_DAG) if r["logical_date"][:10] == self.day)
        ti = next(t for t in self.api.task_instances(VALUE_DAG, run["dag_run_id"]) if t["task_id"] == INGEST_TASK)
        return ti["id"]


def _runners(worker_groups: set[int]) -> dict[str, tuple[int, int]]:
    """Task runners whose supervisor (their parent) is in one of ``worker_groups``: ti_id -> (pid, group)."""
    return {ti: found for ti, found in task_runners().items() if found[1] in worker_groups}

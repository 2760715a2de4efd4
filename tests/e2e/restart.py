"""The scheduler restarted in the middle of a day: SIGKILLed while the day's transform runs, then started again.

On the production path the scheduler is a process of its own: only it is killed; the Celery workers keep
running their tasks and the new scheduler adopts them. On the embedded stack the LocalExecutor's task processes
are the scheduler's children: there all of Airflow crashes at once (SIGKILL to the API server, the scheduler,
the DAG processor, the triggerer and the task runners they supervised) and is started again as after a power
cut, the API server first. Either way the
tasks that were running are found dead by the new scheduler and retried.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dataops.devstack import processes
from dataops.devstack.airflow_api import AirflowApi
from dataops.devstack.demo import VALUE_DAG
from tests.e2e.procs import alive, descendants, kill_runner, port_holders, reap, task_runners


@dataclass
class Restart:
    day: str
    running: list[str]  # the day's tasks running when the scheduler was killed
    runners_killed: int
    down_seconds: float  # from the kill until the stack answered again


class RestartMidDay(threading.Thread):
    """Kills the scheduler once ``day``'s run has a task of ``group`` running, then starts it again.

    :param api: the stack's REST API (a client of its own is made for this thread).
    :param day: the batch date (``YYYY-MM-DD``) of the Value Pipeline run.
    :param crash: kills what has to die; returns how many task runners died with it.
    :param start: starts it again and returns once it answers.
    :param group: the task group whose running marks the middle of the day.
    """

    def __init__(self, api: AirflowApi, day: str, crash: Callable[[], int], start: Callable[[], None],
                 group: str = "transform.") -> None:
        super().__init__(daemon=True)
        self.api = dataclasses.replace(api)
        self.day, self.crash, self.start_again, self.group = day, crash, start, group
        self.restart: Restart | None = None
        self.error: str | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                running = self._running()
                if running:
                    t = time.monotonic()
                    killed = self.crash()
                    self.start_again()
                    self.api.health()
                    self.restart = Restart(self.day, running, killed, round(time.monotonic() - t, 1))
                    return
                time.sleep(0.5)
        except (Exception, SystemExit) as exc:  # the tests report it (a service that cannot start exits)
            self.error = f"{type(exc).__name__}: {exc}"
            print(f"restart of {self.day} failed: {self.error}", file=sys.stderr, flush=True)

    def _running(self) -> list[str]:
        run = next((r for r in self.api.runs(VALUE_DAG) if r["logical_date"][:10] == self.day), None)
        if run is None:
            return []
        tis = self.api.task_instances(VALUE_DAG, run["dag_run_id"])
        return sorted(t["task_id"] for t in tis if t["state"] == "running" and t["task_id"].startswith(self.group))


def crash_group(names: str | tuple[str, ...], run_dir: Path, port: int | None = None) -> Callable[[], int]:
    """A ``crash`` that SIGKILLs the components ``names`` (each one's whole process group, from its pid file) and
    every process below them in whatever group (the task runners their processes supervised, their dbt
    subprocesses, a runner forked a moment ago); the number of task runners killed. Returns once none of them is
    alive and nothing listens on ``port`` any more (a new start would find the port taken)."""
    names = (names,) if isinstance(names, str) else names

    def crash() -> int:
        groups = [int((run_dir / f"{name}.pid").read_text()) for name in names]
        doomed = [pid for group in groups for pid in descendants(group)]
        runners = sum(1 for pid, _ in task_runners().values() if pid in doomed)
        for group in groups:  # at the same moment, as a power cut
            os.killpg(group, signal.SIGKILL)
        for pid in doomed:
            kill_runner(pid, signal.SIGKILL)
        for group in groups:
            reap(group)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in [*groups, *doomed]) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [pid for pid in [*groups, *doomed] if alive(pid)]
        assert not survivors, f"{names} survived SIGKILL: {survivors}"
        assert not any(processes.running(name, run_dir) for name in names), f"{names} still recorded as running"
        while port and port_holders(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not (port and port_holders(port)), f"port {port} still held by {port_holders(port)}"
        return runners

    return crash

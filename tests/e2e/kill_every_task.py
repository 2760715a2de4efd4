"""Every task of a run (or the ones a target names) SIGKILLed once, on its first try, at a random point of its
work; Airflow retries it.

A :class:`Target` names a run (a Value Pipeline day, or the Innovation Pipeline's run) and how long each of
its tasks usually works (the same task's duration in an earlier run of the same stack). The thread watches the
machine's task runners (:mod:`tests.e2e.procs`); when a runner of a target task appears on try 1 it draws the
kill point, uniform in [10 %, 30 %] of that duration, and SIGKILLs the runner (and its dbt subprocesses) when
the point is reached. A short task (usually under :data:`HOLD_BELOW` seconds, or never timed) is frozen
(SIGSTOP) the moment its runner is first seen, so that it cannot finish between two looks at ``/proc``; it is
killed at its point all the same (the kill records that it was held). A task whose runner gives way before the
point (a sensor rescheduled, a deferred task) is killed in its next runner of the same try, at once. Tasks that wait for a person are spared. The kills are
kept for the tests: which task, after how many seconds, which try.
"""

from __future__ import annotations

import dataclasses
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dataops.devstack.airflow_api import AirflowApi
from tests.e2e.procs import kill_runner, task_runners

#: the kill point, as a share of the task's usual duration (its shortest earlier run: a busy machine makes the
#: same task 2.5 times faster or slower from one day to the next, and a kill after the work is no kill)
MIN_POINT, MAX_POINT = 0.1, 0.3
#: seconds: a task usually shorter is frozen when first seen (a branch task lives ~0.3 s; a skipping task that
#: usually took 2.5 s ended 1.9 s after its runner appeared, before its point was reached; on the production
#: path, with both stacks busy, the drift signal took over 5 s on two days and finished before its point on
#: the third). Below 10 s most of a runner's life is its start (the DAG file parsed): frozen, it is killed there.
HOLD_BELOW = 10.0


@dataclass
class Target:
    """A run whose tasks are all killed once.

    :param dag_id: its DAG.
    :param pick: chooses the run among the DAG's runs (None while it does not exist yet).
    :param usual: task_id -> usual seconds of work (tasks missing: :attr:`default_seconds`, the shortest
        runner seen, so that a task with no earlier run, as the Innovation Pipeline's, is killed early in its
        work rather than missed).
    :param spare: task ids left alone (they wait for a person).
    :param only: task id prefixes to kill (empty: every task); the others run undisturbed.
    """

    dag_id: str
    pick: Callable[[list[dict]], dict | None]
    usual: Callable[[], dict[str, float]] = dict
    spare: frozenset[str] = frozenset()
    only: tuple[str, ...] = ()
    default_seconds: float = 0.5
    run_id: str | None = None
    durations: dict[str, float] | None = None
    finished: bool = False

    def covers(self, task_id: str) -> bool:
        """The task is one to kill."""
        return task_id not in self.spare and (not self.only or task_id.startswith(self.only))


@dataclass
class TaskKill:
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    after: float  # seconds after the try's first runner appeared
    usual: float
    held: bool = False  # frozen from first sight to the kill (a short task)


@dataclass
class _Plan:
    due: float
    usual: float
    first_seen: float
    held: bool = False
    pid: int = 0
    gone_after: float | None = None  # seconds from first sight to the runner's end (killed or not)

    @property
    def point(self) -> float:
        """The kill point, in seconds after first sight."""
        return self.due - self.first_seen


class KillEveryTask(threading.Thread):
    """The disturbance: start it before the target runs begin; stop it (:attr:`stop`) after they end.

    :param api: the stack's REST API (a client of its own is made for this thread).
    :param targets: the runs whose tasks are killed.
    :param seed: of the kill points.
    """

    def __init__(self, api: AirflowApi, targets: list[Target], seed: int = 13) -> None:
        super().__init__(daemon=True)
        self.api = dataclasses.replace(api)  # a client of its own: httpx clients are not shared across threads
        self.targets = targets
        self.kills: list[TaskKill] = []
        self.error: str | None = None
        self.slowest_look = 0.0  # seconds of the longest look at the runners (a short task can pass unseen)
        self.stop = threading.Event()
        self._rng = random.Random(seed)
        self._ids: dict[str, tuple[Target, str, int]] = {}  # ti_id -> (target, task_id, try_number)
        self._plans: dict[tuple[str, str], _Plan] = {}

    def killed(self, run_id: str) -> set[str]:
        """The tasks of a run that were killed."""
        return {k.task_id for k in self.kills if k.run_id == run_id}

    def explain(self, run_id: str, task_id: str) -> str:
        """What this thread saw of a task that was not killed (for a failing test's message)."""
        plan = self._plans.get((run_id, task_id))
        if plan is None:
            mapped = any(t.run_id == run_id and name == task_id for t, name, _ in self._ids.values())
            return f"{task_id}: its runner was never seen ({'mapped' if mapped else 'its id not yet read'})"
        gone = "still running" if plan.gone_after is None else f"ended {plan.gone_after:.2f} s after first sight"
        return (f"{task_id}: usually {plan.usual:.2f} s, kill point {plan.point:.2f} s after "
                f"first sight, {'held' if plan.held else 'not held'}, {gone}")

    def plans_seen(self) -> list[dict]:
        """Every planned kill as plain data: run, task, usual seconds, kill point, held, unkilled end."""
        return [{"run_id": run_id, "task_id": task_id, "usual": round(p.usual, 2),
                 "point": round(p.point, 2), "held": p.held, "gone_after": p.gone_after}
                for (run_id, task_id), p in self._plans.items()]

    def run(self) -> None:
        """Watch the runners every 50 ms; the REST API is read by a thread of its own (a slow answer must not
        let a short runner come and go unseen)."""
        threading.Thread(target=self._follow_runs, daemon=True).start()
        try:
            while not self.stop.is_set():
                began = time.monotonic()
                self._step()
                self.slowest_look = max(self.slowest_look, time.monotonic() - began)
                time.sleep(0.05)
        except Exception as exc:  # the tests report it
            self.error = f"{type(exc).__name__}: {exc}"

    def _follow_runs(self) -> None:
        try:
            while not self.stop.is_set():
                self._refresh()  # a target run's ids and durations are known before its first runner starts
                time.sleep(1.0)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"

    def _step(self) -> None:
        runners = task_runners()
        now = time.monotonic()
        running = {pid for pid, _ in runners.values()}
        for plan in self._plans.values():
            if plan.gone_after is None and plan.pid not in running:
                plan.gone_after = round(now - plan.first_seen, 2)
        for ti_id, (pid, _) in runners.items():
            known = self._ids.get(ti_id)
            if known is None:
                continue
            target, task_id, try_number = known
            key = (target.run_id or "", task_id)
            if try_number != 1 or not target.covers(task_id) or task_id in self.killed(key[0]):
                continue
            plan = self._plans.get(key) or self._plan(key, target, task_id, now)
            plan.pid, plan.gone_after = pid, None  # a rescheduled sensor comes back in a new runner
            if now >= plan.due:
                kill_runner(pid, signal.SIGKILL)
                self.kills.append(TaskKill(target.dag_id, target.run_id or "", task_id, try_number,
                                           round(now - plan.first_seen, 2), round(plan.usual, 2), plan.held))
            elif plan.usual < HOLD_BELOW and not plan.held:
                kill_runner(pid, signal.SIGSTOP)  # it cannot finish before its point now
                plan.held = True

    def _plan(self, key: tuple[str, str], target: Target, task_id: str, now: float) -> _Plan:
        usual = (target.durations or {}).get(task_id, target.default_seconds)  # not timed yet: the shortest
        plan = _Plan(due=now + max(0.2, usual * self._rng.uniform(MIN_POINT, MAX_POINT)), usual=usual,
                     first_seen=now)
        self._plans[key] = plan
        return plan

    def _refresh(self) -> None:
        """Map this stack's task instance ids (of the target runs) to their task and try."""
        for target in self.targets:
            if target.finished:
                continue
            run = target.pick(self.api.runs(target.dag_id))
            if run is None:
                continue
            target.run_id = run["dag_run_id"]
            if target.durations is None and run["state"] != "queued":  # the earlier days have ended by now
                target.durations = target.usual()
            target.finished = run["state"] in ("success", "failed")
            for ti in self.api.task_instances(target.dag_id, target.run_id):
                # a task not yet scheduled shows try 0: the scheduler makes it try 1 under the same id
                # (each retry gets a new id, so an id first seen at try 0 or 1 is the first try's)
                self._ids.setdefault(ti["id"], (target, ti["task_id"], max(1, int(ti["try_number"]))))


def durations(api: AirflowApi, dag_id: str, run_id: str) -> dict[str, float]:
    """task_id -> seconds from start to end of its last try in a finished run (the usual work of each task)."""
    out = {}
    for ti in api.task_instances(dag_id, run_id):
        if ti.get("start_date") and ti.get("end_date") and ti["state"] in ("success", "skipped"):
            span = datetime.fromisoformat(ti["end_date"]) - datetime.fromisoformat(ti["start_date"])
            out[ti["task_id"]] = span.total_seconds()
    return out


def usual_before(api: AirflowApi, dag_id: str, day: str) -> Callable[[], dict[str, float]]:
    """The usual work of each task of ``dag_id`` before ``day``: its shortest duration among the finished runs
    of earlier days (a run disturbed in other ways does not stretch the kill points)."""

    def usual() -> dict[str, float]:
        out: dict[str, float] = {}
        for run in api.runs(dag_id):
            if run["logical_date"][:10] < day and run["state"] in ("success", "failed"):
                for task_id, seconds in durations(api, dag_id, run["dag_run_id"]).items():
                    out[task_id] = min(seconds, out.get(task_id, seconds))
        return out

    return usual


def scenario_targets(api: AirflowApi, value_dag: str, days: dict[str, tuple[str, ...]], innovation_dag: str,
                     spare: frozenset[str]) -> list[Target]:
    """The tasks of the Value Pipeline runs of ``days`` (day -> task id prefixes, empty: every task) and every
    task of the Innovation Pipeline's first run, but the ``spare`` ones (they wait for a person)."""

    def of_day(day: str) -> Callable[[list[dict]], dict | None]:
        return lambda runs: next((r for r in runs if r["logical_date"][:10] == day), None)

    targets = [Target(value_dag, of_day(day), usual_before(api, value_dag, day), only=only)
               for day, only in days.items()]
    first = lambda runs: min(runs, key=lambda r: r["run_after"]) if runs else None  # noqa: E731
    return [*targets, Target(innovation_dag, first, spare=spare)]

"""A small client of Airflow's REST API (v2), as the demo and the end-to-end tests drive the scheduler.

Nothing here runs a task: it asks the API server to pause/unpause DAGs, create runs and backfills, clear
runs, and reads back runs, task instances, their tries, logs and Asset events. Authentication is the
simple auth manager's token endpoint (``POST /auth/token``), the same login as the UI.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

FINISHED = frozenset({"success", "failed"})


class AirflowApiError(RuntimeError):
    """An API call answered with an error status; the message has the method, path and response body."""


@dataclass
class AirflowApi:
    """Airflow's REST API at ``base_url`` with a bearer token.

    :param base_url: e.g. ``http://127.0.0.1:8080``.
    :param username: a user of the auth manager (``admin`` on the embedded stack).
    :param password: its password (``<airflow home>/passwords.json`` on the embedded stack).
    :param timeout: seconds per HTTP request.
    :param unavailable_for: seconds a call keeps trying while the API server cannot be reached (it restarts
        with the stack); then the connection error is raised.
    """

    base_url: str
    username: str
    password: str
    timeout: float = 30.0
    unavailable_for: float = 180.0

    def __post_init__(self) -> None:
        self._client = httpx.Client(base_url=self.base_url.rstrip("/"), timeout=self.timeout)
        self._token: str | None = None

    # -- plumbing ------------------------------------------------------------------------------------------
    def _login(self) -> str:
        resp = self._client.post("/auth/token", json={"username": self.username, "password": self.password})
        if resp.status_code >= 300:
            raise AirflowApiError(f"login as {self.username!r} failed: {resp.status_code} {resp.text[:300]}")
        return str(resp.json()["access_token"])

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; the JSON answer (or the text for non-JSON answers). Logs in again once on a 401."""
        for attempt in (1, 2):
            resp = self._send(method, path, **kwargs)
            if resp.status_code == 401 and attempt == 1:
                self._token = None
                continue
            if resp.status_code >= 300:
                raise AirflowApiError(f"{method} {path}: {resp.status_code} {resp.text[:500]}")
            kind = resp.headers.get("content-type", "")
            return resp.json() if kind.startswith("application/json") else resp.text
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One HTTP exchange (logging in first when needed); while the server is unreachable or starting
        (connection refused, 502/503), tries again with backoff for up to :attr:`unavailable_for` seconds."""
        deadline, pause = time.monotonic() + self.unavailable_for, 0.5
        while True:
            try:
                self._token = self._token or self._login()
                resp = self._client.request(method, path, headers={"Authorization": f"Bearer {self._token}"},
                                            **kwargs)
                if resp.status_code not in (502, 503) or time.monotonic() > deadline:
                    return resp
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 5.0)

    def close(self) -> None:
        self._client.close()

    # -- DAGs and runs -------------------------------------------------------------------------------------
    def health(self) -> dict:
        return self.request("GET", "/api/v2/monitor/health")

    def dag(self, dag_id: str) -> dict:
        return self.request("GET", f"/api/v2/dags/{dag_id}")

    def import_errors(self) -> list[dict]:
        return self.request("GET", "/api/v2/importErrors")["import_errors"]

    def set_paused(self, dag_id: str, paused: bool) -> dict:
        return self.request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": paused})

    def trigger(self, dag_id: str, *, logical_date: str | None = None, conf: dict | None = None,
                run_id: str | None = None) -> dict:
        """Create a run (``logical_date`` ISO timestamp; ``None`` for a run without one)."""
        body: dict[str, Any] = {"logical_date": logical_date, "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        return self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)

    def backfill(self, dag_id: str, from_date: str, to_date: str, *, max_active_runs: int = 1,
                 reprocess: str = "none", conf: dict | None = None) -> dict:
        """Create a backfill: the scheduler creates and runs one run per schedule interval in the range.

        On SQLite the API server refuses (503 "database is locked") while the scheduler writes at the same
        moment: that answer is retried a few times.
        """
        body = {"dag_id": dag_id, "from_date": from_date, "to_date": to_date, "max_active_runs": max_active_runs,
                "reprocess_behavior": reprocess, "dag_run_conf": conf or {}}
        for attempt in range(10):
            try:
                return self.request("POST", "/api/v2/backfills", json=body)
            except AirflowApiError as err:
                if " 503 " not in str(err) or attempt == 9:
                    raise
                time.sleep(1 + attempt)
        raise AssertionError("unreachable")

    def runs(self, dag_id: str, *, limit: int = 100) -> list[dict]:
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns",
                            params={"limit": limit, "order_by": "logical_date"})["dag_runs"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")

    def clear_run(self, dag_id: str, run_id: str) -> Any:
        return self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/clear", json={"dry_run": False})

    def wait_for_run(self, dag_id: str, run_id: str, *, timeout: float = 600, poll: float = 2.0) -> dict:
        """Poll until the run is ``success`` or ``failed``; TimeoutError names its unfinished tasks."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(dag_id, run_id)
            if run["state"] in FINISHED:
                return run
            if time.monotonic() > deadline:
                pending = [f"{t['task_id']}={t['state']}" for t in self.task_instances(dag_id, run_id)
                           if t["state"] not in ("success", "failed", "skipped", "upstream_failed")]
                raise TimeoutError(f"{dag_id} {run_id} still {run['state']} after {timeout:.0f}s: {pending}")
            time.sleep(poll)

    # -- task instances, logs, assets ----------------------------------------------------------------------
    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                            params={"limit": 1000})["task_instances"]

    def tries(self, dag_id: str, run_id: str, task_id: str) -> list[dict]:
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/tries"
                            )["task_instances"]

    def log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        """The task's log of one try as plain text (the structured log's events joined)."""
        answer = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/"
                              f"{try_number}", params={"full_content": True})
        return log_text(answer)

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        """A task's XCom value (``None`` when it has none)."""
        try:
            answer = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/"
                                  f"xcomEntries/{key}", params={"deserialize": True})
        except AirflowApiError as err:
            if " 404 " in str(err):
                return None
            raise
        return answer.get("value")

    def task_state(self, dag_id: str, run_id: str, task_id: str) -> str | None:
        """The task instance's state (``None`` before the scheduler created it)."""
        try:
            return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")["state"]
        except AirflowApiError as err:
            if " 404 " in str(err):
                return None
            raise

    def wait_for_task(self, dag_id: str, run_id: str, task_id: str, states: Iterable[str], *,
                      timeout: float = 600, poll: float = 2.0) -> str:
        """Poll until the task instance is in one of ``states``; TimeoutError names the state it is in."""
        wanted, deadline = set(states), time.monotonic() + timeout
        while (state := self.task_state(dag_id, run_id, task_id)) not in wanted:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id} {run_id} {task_id} is {state} after {timeout:.0f}s, not {wanted}")
            time.sleep(poll)
        return str(state)

    def answer(self, dag_id: str, run_id: str, task_id: str, options: list[str],
               params_input: dict | None = None) -> dict:
        """Answer a human-in-the-loop task (its Required Action) as this client's user."""
        return self.request("PATCH", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/-1/"
                            "hitlDetails", json={"chosen_options": options, "params_input": params_input or {}})

    def extra_links(self, dag_id: str, run_id: str, task_id: str) -> dict[str, str | None]:
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/links")

    def asset_events(self, *, uri: str | None = None, limit: int = 100) -> list[dict]:
        assets = self.request("GET", "/api/v2/assets", params={"limit": 1000})["assets"]
        ids = [a["id"] for a in assets if uri is None or a["uri"] == uri]
        events: list[dict] = []
        for asset_id in ids:
            events += self.request("GET", "/api/v2/assets/events",
                                   params={"asset_id": asset_id, "limit": limit})["asset_events"]
        return events


def log_text(answer: Any) -> str:
    """Plain text of a log answer: ``{"content": [...events...]}`` (structured) or a string."""
    if isinstance(answer, str):
        return answer
    content = answer.get("content", "")
    if isinstance(content, str):
        return content
    return "\n".join(_event_line(e) for e in content)


def _event_line(event: Any) -> str:
    if not isinstance(event, dict):
        return str(event)
    text = str(event.get("event", ""))
    extra = {k: v for k, v in event.items() if k not in ("event", "timestamp", "level", "logger")}
    return text + (f" {extra}" if extra and not text else "")


def states(task_instances: Iterable[dict]) -> dict[str, str | None]:
    """``task_id -> state`` (mapped tasks: the last map index wins)."""
    return {t["task_id"]: t["state"] for t in task_instances}

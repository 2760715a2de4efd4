"""The stack's processes as the fault injectors see them: Airflow task runners found in ``/proc``, signals to
pids and process groups, and reaping a killed child so it no longer counts as running.

A task runner's process title (task-sdk) is ``airflow worker -- <ti_id>``; its parent is the supervisor, which
lives in the process group of the component that started it (a Celery worker, or the LocalExecutor inside the
scheduler). Each runner leads a process group of its own (its dbt subprocesses are in it too).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

RUNNER_TITLE = b"airflow worker -- "


def task_runners() -> dict[str, tuple[int, int]]:
    """Every task runner on the machine: ti_id -> (pid, process group of its supervisor)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            # the title's first 15 bytes are the process name too: reading it takes no lock of the process's
            # memory, which reading ``cmdline`` does (a big process exiting made one look at /proc take seconds)
            if not (proc / "comm").read_bytes().startswith(RUNNER_TITLE[:15]):
                continue
            title = (proc / "cmdline").read_bytes()
            if not title.startswith(RUNNER_TITLE):
                continue
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            group = os.getpgid(parent)
        except (OSError, ValueError, IndexError):
            continue
        ti_id = title[len(RUNNER_TITLE):].split(b"\0")[0].decode().strip()
        found[ti_id] = (int(proc.name), group)
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren, ...), whatever their process group: a task runner
    and whatever it started lead groups of their own, and a freshly forked runner has no title yet."""
    parents: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(parent, []).append(int(proc.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def port_holders(port: int) -> dict[int, str]:
    """The processes listening on TCP ``port`` (any address): pid -> command line."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                    inodes.add(f"socket:[{fields[9]}]")
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or not inodes:
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    return found


def signal_all(targets: list[int], sig: int) -> None:
    """``sig`` to each pid (a negative number: to that process group); the ones already gone are skipped."""
    for target in targets:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if target < 0:
                os.killpg(-target, sig)
            else:
                os.kill(target, sig)


def kill_runner(pid: int, sig: int) -> None:
    """``sig`` to a task runner and its own process group (its dbt subprocesses); only the runner when it does
    not lead a group (never its supervisor's group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def reap(pid: int) -> None:
    """Collect a killed child's exit status (a stack component started by this process), so that it no longer
    counts as running."""
    with contextlib.suppress(ChildProcessError):
        for _ in range(100):
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
            time.sleep(0.05)

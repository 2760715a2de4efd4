"""Start and stop the embedded stack's background processes, tracked by pid files."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(port: int, timeout: float, what: str, log: Path | None = None) -> None:
    """Block until something listens on ``port``; fail with the service's log tail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.3)
    tail = ""
    if log is not None and log.exists():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    raise TimeoutError(f"{what} did not open 127.0.0.1:{port} within {timeout:.0f}s.\n{tail}")


def start(name: str, cmd: list[str], env: dict[str, str], run_dir: Path, log_dir: Path) -> int:
    """Start ``cmd`` in its own process group, logging to ``<log_dir>/<name>.log``; return its pid."""
    run_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 (handed to the child process)
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    (run_dir / f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def running(name: str, run_dir: Path) -> bool:
    pid_file = run_dir / f"{name}.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text()), 0)
    except (ProcessLookupError, ValueError):
        return False
    return True


def stop(name: str, run_dir: Path, timeout: float = 15.0) -> bool:
    """Terminate the process group recorded in ``<run_dir>/<name>.pid``; True if something was stopped."""
    pid_file = run_dir / f"{name}.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text())
    pid_file.unlink()
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _group_gone(pid):
            return True
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)
    return True


def _group_gone(pid: int) -> bool:
    """True once no process of the group led by ``pid`` is left."""
    try:  # a child of this process stays a zombie (and its group alive) until it is reaped
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # not our child: whoever started it reaps it
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False

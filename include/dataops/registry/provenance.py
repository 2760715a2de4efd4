"""Where a model came from: code revision and library versions."""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from dataops import settings

LIBRARIES = ("lightgbm", "numpy", "pandas", "sqlalchemy", "duckdb", "boto3", "pyarrow")


def utcnow() -> datetime:
    """Current UTC time as a naive datetime (how the registry stores timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


def code_revision() -> str:
    """The code revision: env ``DATAOPS_CODE_REVISION``, else ``git rev-parse HEAD`` of this checkout, else
    ``unknown``."""
    env = settings.get("DATAOPS_CODE_REVISION")
    if env:
        return env
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True,
            timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    rev = out.stdout.strip()
    return rev if out.returncode == 0 and rev else "unknown"


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Installed versions of ``names`` (``not installed`` when absent)."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def environment_record() -> dict:
    """The ``environment.json`` artifact: code revision, library versions, platform."""
    return {
        "code_revision": code_revision(),
        "libraries": library_versions(),
        "platform": platform.platform(),
        "created_at": utcnow().isoformat() + "Z",
    }

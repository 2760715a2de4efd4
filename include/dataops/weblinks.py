"""Public HTTP links to the suite's reports, and the safe resolution of what such a link asks for.

The Airflow plugin app (``dataops_airflow.ui``) serves, under :data:`APP_PREFIX` of the Airflow API server:

* ``/dataops/reports/<path>``: a file of the reports folder (``DATAOPS_REPORTS_DIR``: Data Docs of every gate
  run, gate results);
* ``/dataops/models/<model>/versions/<version>/report``: the evaluation report of a model version (its latest
  decision, or ``?decision_id=``) read from the registry's artifact store.

Every link is built on ONE public base URL, ``AIRFLOW__API__BASE_URL`` (the setting Airflow's own UI links
use): the gate's "Data Docs" extra link, the evaluation task's "Evaluation report" link and the alert e-mails.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlparse

from dataops import settings

APP_PREFIX = "/dataops"
REPORTS_ROUTE = "/reports"
REPORT_FILES = ("report.html", "report.json", "report.md", "pr_curve.png", "calibration.png")


class ReportNotFound(LookupError):
    """The requested report or file does not exist, or is not one the app may serve."""


def base_url(explicit: str | None = None) -> str:
    """The public base URL of the Airflow UI (``AIRFLOW__API__BASE_URL``), without a trailing slash."""
    return (explicit or settings.require("AIRFLOW__API__BASE_URL")).rstrip("/")


def reports_dir() -> Path:
    """``DATAOPS_REPORTS_DIR`` (default ``.local/reports``), absolute."""
    return settings.path("DATAOPS_REPORTS_DIR")


def _as_path(target: str | Path) -> Path:
    text = str(target)
    if text.startswith("file://"):
        return Path(unquote(urlparse(text).path))
    return Path(text)


def reports_url(target: str | Path | None, *, folder: Path | None = None, base: str | None = None) -> str | None:
    """HTTP URL of a file of the reports folder, given its path or ``file://`` URL.

    :param target: the file (a path or a ``file://`` URL, as GX returns for Data Docs pages).
    :param folder: the reports folder (default :func:`reports_dir`).
    :param base: public base URL (default :func:`base_url`).
    :returns: ``<base>/dataops/reports/<relative path>``; ``target`` unchanged when it is not a local file
        inside the folder (an ``http`` URL already, or elsewhere); None for None.
    """
    if not target:
        return None
    text = str(target)
    if "://" in text and not text.startswith("file://"):
        return text
    root = (folder or reports_dir()).resolve()
    try:
        relative = _as_path(text).resolve().relative_to(root)
    except ValueError:
        return text
    return f"{base_url(base)}{APP_PREFIX}{REPORTS_ROUTE}/{quote(relative.as_posix())}"


def resolve_report_file(relative: str, folder: Path | None = None) -> Path:
    """The file of the reports folder a request names, refusing anything that leaves the folder.

    :param relative: the path after ``/dataops/reports/`` (already URL-decoded by the server; decoded once
        more here so a doubly-encoded ``%252e%252e`` is judged too).
    :param folder: the reports folder (default :func:`reports_dir`).
    :raises ReportNotFound: absolute path, ``..`` part, NUL byte, a path resolving (through a symlink)
        outside the folder, or no such file.
    """
    root = (folder or reports_dir()).resolve()
    text = unquote(relative)
    parts = PurePosixPath(text).parts
    if not text or "\x00" in text or "\\" in text or text.startswith("/") or ".." in parts:
        raise ReportNotFound(f"not a path inside the reports folder: {relative!r}")
    path = (root / text).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ReportNotFound(f"no report file {relative!r}")
    return path


def evaluation_report_url(model_name: str, version: str, decision_id: str | None = None, *,
                          base: str | None = None) -> str:
    """HTTP URL of the evaluation report of a model version (its latest decision, or ``decision_id``'s)."""
    url = f"{base_url(base)}{APP_PREFIX}/models/{quote(model_name, safe='')}/versions/{quote(version, safe='')}/report"
    return f"{url}?decision_id={quote(decision_id, safe='')}" if decision_id else url


def evaluation_report_key(registry, version: str, decision_id: str | None = None, name: str = "report.html") -> str:
    """The object key of a version's evaluation report file in the registry's artifact store.

    :param registry: a :class:`dataops.registry.ModelRegistry`.
    :param version: the challenger version the decision was about.
    :param decision_id: that decision (default: the version's latest decision with a report).
    :param name: one of :data:`REPORT_FILES`.
    :raises ReportNotFound: unknown file name, no such decision, or a recorded URI outside the version's
        report folder.
    """
    if name not in REPORT_FILES:
        raise ReportNotFound(f"not a report file: {name!r}")
    decisions = [d for d in registry.decisions(version) if d.get("report_uri")]
    if decision_id is not None:
        decisions = [d for d in decisions if d["decision_id"] == decision_id]
    if not decisions:
        raise ReportNotFound(f"no evaluation report for {registry.model_name} {version}"
                             + (f" decision {decision_id}" if decision_id else ""))
    uri = urlparse(decisions[-1]["report_uri"])
    key = uri.path.lstrip("/")
    folder = f"{registry.prefix(version)}report/"
    if uri.scheme != "s3" or uri.netloc != registry.store.bucket or not key.startswith(folder) or ".." in key:
        raise ReportNotFound(f"report URI {decisions[-1]['report_uri']!r} is not in {version}'s report folder")
    return key.rsplit("/", 1)[0] + "/" + name


#: The analysts' triage of a critical finding: one run of this DAG per (dataset, batch date), whose
#: human-in-the-loop task is answered under "Required Actions" of the Airflow UI.
TRIAGE_DAG_ID = "quality_triage"
TRIAGE_TASK_ID = "analyst_verdict"


def triage_run_id(dataset: str, batch_date: str) -> str:
    """The run id of the triage of ``dataset``'s batch ``batch_date`` (known before the run exists)."""
    return f"triage__{dataset}__{batch_date}"


def triage_url(dataset: str, batch_date: str, *, base: str | None = None) -> str:
    """HTTP URL of the triage action (the Required Action of the triage run) of a batch."""
    run_id = quote(triage_run_id(dataset, batch_date), safe="")
    return f"{base_url(base)}/dags/{TRIAGE_DAG_ID}/runs/{run_id}/tasks/{TRIAGE_TASK_ID}/required_actions"


def task_log_url(dag_id: str, run_id: str, task_id: str, try_number: int | str | None = None, *,
                 base: str | None = None) -> str:
    """The Airflow UI page (log) of a task instance: ``<base>/dags/<dag>/runs/<run>/tasks/<task>?try_number=N``.

    The same route as the task SDK's ``RuntimeTaskInstance.log_url``, for callers without a task instance.
    """
    url = f"{base_url(base)}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}/tasks/{quote(task_id, safe='')}"
    return f"{url}?try_number={try_number}" if str(try_number or "").isdigit() else url

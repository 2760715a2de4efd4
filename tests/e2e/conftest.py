"""End-to-end fixtures: one stack per module, always torn down. Each module writes its scenario table and
timings to ``test-artifacts/e2e/`` (:func:`tests.e2e.harness.report`); the summary prints them (under
pytest-xdist the workers' own output is not shown)."""

from __future__ import annotations

import time

from tests.e2e.harness import REPORTS

_STARTED = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    fresh = [p for p in sorted(REPORTS.glob("*.txt")) if p.stat().st_mtime >= _STARTED] if REPORTS.exists() else []
    for path in fresh:
        terminalreporter.write_sep("-", f"{path.stem} ({path.relative_to(REPORTS.parents[1])})")
        terminalreporter.write_line(path.read_text())

"""Reliability of the ingest against hostile and broken landed files (issue #13, section 3).

:mod:`.rows` and :mod:`.files` say how a row, a file and a manifest can arrive broken; :mod:`.cases` builds a
batch from a plan of such choices; :mod:`.catalogue` names the input classes; :mod:`.runner` lands each case in
a real bucket and ingests it with the real ingest into a real warehouse; :mod:`.accounting` finds every landed
row again (loaded, quarantined with a reason, or kept in a file refused whole); :mod:`.table` prints the
table of ``make reliability`` (``python -m dataops.reliability``).
"""

from dataops.reliability.accounting import IDENTICAL, MISMATCH, REJECTED, UNHANDLED, CaseResult
from dataops.reliability.cases import Case, CasePlan, PartPlan, build_case
from dataops.reliability.catalogue import CLASSES, catalogue
from dataops.reliability.runner import run_case, run_cases
from dataops.reliability.table import passed, render, summarise

__all__ = ["CLASSES", "IDENTICAL", "MISMATCH", "REJECTED", "UNHANDLED", "Case", "CasePlan", "CaseResult", "PartPlan",
           "build_case", "catalogue", "passed", "render", "run_case", "run_cases", "summarise"]

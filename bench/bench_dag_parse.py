"""Parse time of every DAG file, as a ratio to a trivial DAG parsed in the same run.

Airflow's DAG processor parses each file in a process forked for that parse from one that has Airflow
loaded and, with ``[dag_processor] parsing_pre_import_modules`` (on by default), the ``airflow.*`` modules
the file imports at its top; every other module the file pulls in (the plugins' operators, cosmos, the core)
is imported again in each fork. This bench does the same: for each file it pre-imports those ``airflow.*``
modules, then forks ``--repeat`` times and times one ``DagBag`` parse in each child ("parse"); it also
times a parse repeated in one process ("re-run": only running the file, every import cached). Medians are
compared with a two-task ``@dag`` file's, measured the same way in the same run. Target (issue "performance
at scale"): every file <= 3x the trivial DAG, also as datasets are added.

Usage: ``python bench/bench_dag_parse.py [--repeat 5]``. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRIVIAL = '''
from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule="@daily", start_date=datetime(2026, 1, 1), catchup=False, doc_md="A trivial DAG.")
def trivial():
    @task
    def one() -> int:
        return 1

    @task
    def two(x: int) -> int:
        return x + 1

    two(one())


trivial()
'''


def _parse_in_fork(path: Path) -> tuple[float, int]:
    """Seconds of one ``DagBag`` parse of ``path`` in a forked child, and its DAG count."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, report, leave without cleanup (as the processor's child does)
        os.close(read)
        from airflow.dag_processing.dagbag import DagBag

        began = time.perf_counter()
        bag = DagBag(dag_folder=str(path), safe_mode=False)
        seconds = time.perf_counter() - began
        os.write(write, f"{seconds} {len(bag.dags) if not bag.import_errors else -1}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        text = answer.read()
    os.waitpid(pid, 0)
    seconds, dags = text.split()
    if int(dags) < 0:
        raise SystemExit(f"{path.name}: import errors (run the DAG integrity test)")
    return float(seconds), int(dags)


def forked_seconds(path: Path, repeat: int) -> tuple[float, int]:
    """Median seconds of a parse in a fresh fork (after pre-importing the file's ``airflow.*`` modules), and
    the DAG count."""
    from airflow.utils.file import iter_airflow_imports  # what the DAG processor pre-imports

    for module in iter_airflow_imports(str(path)):
        importlib.import_module(module)
    forked = [_parse_in_fork(path) for _ in range(repeat)]
    return statistics.median(s for s, _ in forked), forked[0][1]


def rerun_seconds(path: Path, repeat: int) -> float:
    """Median seconds of a parse repeated in this process (every import of the file cached)."""
    from airflow.dag_processing.dagbag import DagBag

    DagBag(dag_folder=str(path), safe_mode=False)
    rerun = []
    for _ in range(repeat):
        began = time.perf_counter()
        DagBag(dag_folder=str(path), safe_mode=False)
        rerun.append(time.perf_counter() - began)
    return statistics.median(rerun)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="parses per file and way")
    args = parser.parse_args()
    import airflow.dag_processing.dagbag  # noqa: F401  (the DAG processor has it loaded before it forks)

    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "trivial_dag.py"
        trivial.write_text(TRIVIAL)
        files = [trivial, *sorted((REPO / "dags").glob("*.py"))]
        # every fork first: a re-run imports the file's modules into this process, which later forks would inherit
        forked = {f: forked_seconds(f, args.repeat) for f in files}
        rerun = {f: rerun_seconds(f, args.repeat) for f in files}
    floor, floor_rerun = forked[trivial][0], rerun[trivial]
    print(f"parse time per DAG file, median of {args.repeat}; floor: a trivial two-task DAG, {floor * 1000:.0f} ms "
          f"in a fresh fork ({floor_rerun * 1000:.1f} ms re-run)")
    print(f"{'file':26}{'DAGs':>5}{'parse ms':>10}{'ratio':>8}{'re-run ms':>11}{'ratio':>8}   target: parse <= 3.0x")
    for path in files[1:]:
        (seconds, dags), again = forked[path], rerun[path]
        print(f"{path.name:26}{dags:>5}{seconds * 1000:>10.0f}{seconds / floor:>7.2f}x{again * 1000:>11.1f}"
              f"{again / floor_rerun:>7.2f}x")
    worst = max(forked[f][0] for f in files[1:]) / floor
    print(f"worst parse ratio {worst:.2f}x ({'met' if worst <= 3.0 else 'missed'})")


if __name__ == "__main__":
    main()

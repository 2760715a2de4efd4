"""Hostile and broken landed files through the real ingest (real S3 endpoint, real warehouse): for every file,
either it is refused whole with a message naming it and the cause (and kept in the bucket), or every landed
row is loaded as written or quarantined with a reason; never an unhandled exception, never a row lost or
loaded twice.

CI runs one case of every named class on both warehouses, and a property-based run (hypothesis, derandomized,
at least 200 landed files) on DuckDB; ``make reliability`` runs the whole catalogue and prints the table.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataops.reliability import (
    CLASSES,
    IDENTICAL,
    REJECTED,
    CasePlan,
    PartPlan,
    build_case,
    catalogue,
    passed,
    render,
    run_case,
    run_cases,
    summarise,
)
from dataops.reliability.cases import HEADERS
from dataops.reliability.files import ENCODINGS, GZIP, MANIFESTS
from dataops.reliability.rows import LINE_FAULTS
from dataops.warehouse import WarehouseLocation, open_warehouse

#: files the property-based run must land at least
MIN_FILES = 200


@pytest.fixture
def landing(s3_client):
    name = f"landing-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


def test_one_case_of_every_class_on_each_warehouse(s3_client, landing, warehouse_location):
    results = run_cases(s3_client, landing, warehouse_location, catalogue(variants=1))
    table = summarise(results)
    print(render(table))
    assert [r.cls for r in table[:-1]] == list(CLASSES)
    assert passed(table), "\n".join(f"{r.cls} #{r.name}: {r.outcome} {r.problems}" for r in results
                                    if r.outcome not in (IDENTICAL, REJECTED))
    # the classes meant to be refused are refused, the harmless ones load identically
    outcome = {r.cls: r.outcome for r in results}
    for cls in ("truncated or corrupt gzip", "wrong compression", "manifest checksum lies",
                "manifest keys lie (missing, not JSON, malformed)", "keys outside the date partition"):
        assert outcome[cls] == REJECTED, cls
    for cls in ("clean batch (reference)", "byte order mark", "CRLF / CR line ends", "invalid UTF-8",
                "markup and SQL in text fields", "manifest row counts lie"):
        assert outcome[cls] == IDENTICAL, cls


def _part_plans() -> st.SearchStrategy[PartPlan]:
    faults = st.lists(st.tuples(st.integers(0, 11), st.sampled_from(sorted(LINE_FAULTS))), max_size=6)
    return st.builds(
        PartPlan, rows=st.integers(0, 12), faults=faults.map(tuple),
        duplicates=st.lists(st.integers(0, 11), max_size=3).map(tuple), blanks=st.integers(0, 2),
        header=st.one_of(st.just("plain"), st.sampled_from(sorted(HEADERS))),
        encoding=st.one_of(st.just(GZIP), st.sampled_from(sorted(ENCODINGS))),
        newline=st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"]))


PLANS = st.builds(CasePlan, parts=st.lists(_part_plans(), min_size=3, max_size=4).map(tuple),
                  manifest=st.one_of(st.just("honest"), st.sampled_from(sorted(MANIFESTS))),
                  duplicate_delivery=st.booleans())


def test_generated_batches_never_lose_or_duplicate_a_row(s3_client, landing, tmp_path):
    warehouse = open_warehouse(WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb"))
    days = (date(2030, 1, 1) + timedelta(days=i) for i in itertools.count())
    landed: list[int] = []

    @settings(max_examples=60, derandomize=True, deadline=None, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(plan=PLANS, seed=st.integers(0, 2**16))
    def batch(plan: CasePlan, seed: int) -> None:
        case = build_case("generated", f"{len(landed) + 1}", next(days), plan, seed)
        result = run_case(s3_client, landing, warehouse, case)
        landed.append(len(case.parts))
        assert result.outcome in (IDENTICAL, REJECTED), (result.outcome, result.problems)
        assert (result.lost, result.duplicated) == (0, 0), result.problems

    batch()
    assert sum(landed) >= MIN_FILES, f"only {sum(landed)} files landed in {len(landed)} batches"

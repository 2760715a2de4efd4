"""Landing into a directory: layout, honest manifests, manifest last, idempotent reruns, late files."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json

from dataops.simulator import LocalDirSink, Simulator, land_day, make_fault

DAY = dt.date(2026, 3, 11)


class RecordingSink(LocalDirSink):
    """A directory sink that records every operation in order."""

    def __init__(self, root):
        super().__init__(root)
        self.ops: list[tuple[str, str]] = []

    def put(self, key, data):
        self.ops.append(("put", key))
        super().put(key, data)

    def delete(self, key):
        self.ops.append(("delete", key))
        super().delete(key)


def _manifest(root, dataset, day=DAY):
    return json.loads((root / dataset / f"batch_date={day}" / "_manifest.json").read_text())


def test_layout_and_manifest_are_honest(tmp_path, small_config):
    sink = LocalDirSink(tmp_path)
    land_day(Simulator(small_config), DAY, sink, rows_per_part=700)
    for dataset in ("transactions", "chargebacks"):
        m = _manifest(tmp_path, dataset)
        assert m["dataset"] == dataset and m["batch_date"] == "2026-03-11"
        assert dt.datetime.fromisoformat(m["generated_at"]).tzinfo is not None
        total = 0
        for i, part in enumerate(m["parts"]):
            assert part["key"] == f"{dataset}/batch_date=2026-03-11/part-{i:05d}.csv.gz"
            data = (tmp_path / part["key"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == part["sha256"]
            lines = gzip.decompress(data).decode().splitlines()
            assert part["rows"] == len(lines) - 1
            total += part["rows"]
        assert m["total_rows"] == total
        listed = {p["key"] for p in m["parts"]}
        on_disk = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / dataset).rglob("*.gz")}
        assert listed == on_disk
    m = _manifest(tmp_path, "transactions")
    assert len(m["parts"]) > 3 and all(p["rows"] <= 700 for p in m["parts"])


def test_manifest_written_last_and_removed_first(tmp_path, small_config):
    sink = RecordingSink(tmp_path)
    land_day(Simulator(small_config), DAY, sink, rows_per_part=1000)
    for dataset in ("transactions", "chargebacks"):
        prefix = f"{dataset}/batch_date=2026-03-11/"
        ops = [op for op in sink.ops if op[1].startswith(prefix)]
        assert ops[0] == ("delete", prefix + "_manifest.json")
        assert ops[-1] == ("put", prefix + "_manifest.json")
        assert sum(1 for op in ops if op == ("put", prefix + "_manifest.json")) == 1


def test_rerun_overwrites_and_drops_stale_parts(tmp_path, small_config):
    sim = Simulator(small_config)
    land_day(sim, DAY, LocalDirSink(tmp_path), rows_per_part=500)
    many = _manifest(tmp_path, "transactions")
    land_day(sim, DAY, LocalDirSink(tmp_path), rows_per_part=250_000)
    one = _manifest(tmp_path, "transactions")
    assert len(many["parts"]) > 1 and len(one["parts"]) == 1
    assert one["total_rows"] == many["total_rows"]
    files = sorted(p.name for p in (tmp_path / "transactions" / "batch_date=2026-03-11").iterdir())
    assert files == ["_manifest.json", "part-00000.csv.gz"]


def test_empty_chargeback_day_lands_a_header_only_part(tmp_path, small_config):
    from dataclasses import replace

    sim = Simulator(replace(small_config, epoch=DAY))
    land_day(sim, DAY, LocalDirSink(tmp_path))
    m = _manifest(tmp_path, "chargebacks")
    assert m["total_rows"] == 0 and len(m["parts"]) == 1
    text = gzip.decompress((tmp_path / m["parts"][0]["key"]).read_bytes()).decode()
    assert text == "tx_id,tx_ts,reported_at,reason_code\n"


def test_late_file_withheld_unless_included(tmp_path, small_config):
    sim = Simulator(small_config, [make_fault(DAY, "late_file")])
    summary = land_day(sim, DAY, LocalDirSink(tmp_path))
    assert summary.withheld == ["transactions"] and summary.landed == ["chargebacks"]
    assert "withheld=transactions" in summary.line()
    assert not (tmp_path / "transactions").exists()
    assert (tmp_path / "chargebacks" / "batch_date=2026-03-11" / "_manifest.json").exists()
    summary = land_day(sim, DAY, LocalDirSink(tmp_path), include_late=True)
    assert summary.landed == ["transactions", "chargebacks"]
    assert _manifest(tmp_path, "transactions")["total_rows"] > 0

"""What one ingest run did, small enough for XCom."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FileOutcome:
    """One landed part file: how many of its rows were loaded or quarantined, or why it was rejected."""

    key: str
    sha256: str
    rows_landed: int
    rows_loaded: int = 0
    rows_quarantined: int = 0
    status: str = "loaded"  # loaded | rejected | duplicate_file
    message: str = ""


@dataclass
class IngestReport:
    """Summary of ingesting one source of one dataset for one batch date."""

    dataset: str
    source: str
    batch_date: str
    version: int
    status: str  # loaded | unchanged
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def rows_landed(self) -> int:
        return sum(f.rows_landed for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "rejected"]

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(rows_landed=self.rows_landed, rows_loaded=self.rows_loaded,
                 rows_quarantined=self.rows_quarantined)
        return d

    def summary(self) -> str:
        text = (f"{self.dataset}.{self.source} {self.batch_date} v{self.version} {self.status}: "
                f"{self.rows_landed} landed = {self.rows_loaded} loaded + {self.rows_quarantined} quarantined")
        for f in self.files:
            if f.status != "loaded":
                text += f"\n  {f.status}: {f.message}"
        return text

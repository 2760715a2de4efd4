"""Ingest of landed batches: file contract, row rules, quarantine, idempotent partition replace."""

from dataops.ingest.errors import BatchNotLanded, ContractViolation, ManifestInvalid
from dataops.ingest.loader import ingest_batch
from dataops.ingest.report import FileOutcome, IngestReport

__all__ = ["BatchNotLanded", "ContractViolation", "ManifestInvalid", "FileOutcome", "IngestReport", "ingest_batch"]

"""Errors that tell operations staff exactly what went wrong with a landed batch."""

from __future__ import annotations

from dataops.textsafe import printable


class BatchNotLanded(LookupError):
    """The batch's manifest (written last by the upstream system) is not in the landing bucket yet."""


class ManifestInvalid(ValueError):
    """A batch's manifest cannot be trusted (not JSON, malformed entries, a part listed twice, a part outside
    the batch's partition or missing from the bucket): nothing of the batch is loaded, and the message names
    the manifest, the part and the cause."""


class ContractViolation(ValueError):
    """A landed file breaks the file contract and was rejected whole (moved to the quarantine prefix).

    :param file: the S3 key of the file.
    :param column: the offending column.
    :param expected: what the contract expects.
    :param found: what the file has.
    """

    def __init__(self, file: str, column: str, expected: str, found: str) -> None:
        self.file, self.column, self.expected, self.found = file, column, expected, found
        # the column and what was found come from the file: one printable line in logs and messages
        super().__init__(f"{file}: column '{printable(column, 80)}': expected {expected}, found {printable(found, 300)}")

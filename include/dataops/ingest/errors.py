"""Errors that tell operations staff exactly what went wrong with a landed batch."""

from __future__ import annotations


class BatchNotLanded(LookupError):
    """The batch's manifest (written last by the upstream system) is not in the landing bucket yet."""


class ContractViolation(ValueError):
    """A landed file breaks the file contract and was rejected whole (moved to the quarantine prefix).

    :param file: the S3 key of the file.
    :param column: the offending column.
    :param expected: what the contract expects.
    :param found: what the file has.
    """

    def __init__(self, file: str, column: str, expected: str, found: str) -> None:
        self.file, self.column, self.expected, self.found = file, column, expected, found
        super().__init__(f"{file}: column {column!r}: expected {expected}, found {found}")

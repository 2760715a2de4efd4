"""Exceptions raised by the model registry."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of every registry error."""


class VersionNotFound(RegistryError):
    """The requested model version is not registered (or not ready)."""


class ConcurrentAliasUpdate(RegistryError):
    """An alias moved between the moment the caller read it and the moment it tried to move it.

    Raised by compare-and-set alias moves: when two promotions race, one wins and the other gets this error.
    """


class NoPreviousVersion(RegistryError):
    """A rollback was asked for but the alias history holds no earlier version to go back to."""


class ArtifactIntegrityError(RegistryError):
    """An artifact in object storage is missing or does not match the SHA-256 recorded at registration."""

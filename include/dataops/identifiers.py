"""Names and free text that come from forms, run confs and URLs, checked before they name anything.

A dataset name becomes a file path (``datasets/<name>.yaml``, ``expectations/metrics/<name>.yaml``), a model
name an S3 key prefix (``models/<name>/``); they must be plain names. Free text (a label's comment, a
rollback's reason) is stored as data through parameters, never built into SQL, but it is refused when it holds
control characters (PostgreSQL cannot even store a NUL) or is longer than a person writes.
"""

from __future__ import annotations

import re

from dataops.textsafe import printable

#: dataset and model names: what a YAML file name and an S3 key segment may safely be
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_TEXT = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def checked_name(value: object, what: str) -> str:
    """``value`` when it is a plain name (lowercase ASCII letters, digits, ``_``; a letter first; at most 63).

    :param value: the name as given.
    :param what: what it names (in the error).
    :raises ValueError: anything else (a path, SQL, a look-alike letter, NUL, too long), named in the message.
    """
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise ValueError(f"{what} {printable(value, 80)!r} is not a name: lowercase ASCII letters, digits and _, "
                         "a letter first, at most 63 characters")
    return value


def checked_table(qualified: object) -> str:
    """``qualified`` when it is ``table`` or ``schema.table`` of plain names (:func:`checked_name` each part).

    :raises ValueError: naming the part that is not a plain name.
    """
    schema, _, table = str(qualified).rpartition(".")
    return ".".join([*([checked_name(schema, "schema")] if schema else []), checked_name(table, "table")])


def checked_text(value: object, what: str, max_length: int = MAX_TEXT) -> str:
    """Free text a person wrote: any printable text (tabs and line breaks too), at most ``max_length``.

    :param value: the text.
    :param what: what it is (in the error).
    :param max_length: the longest accepted.
    :raises ValueError: not text, a control character (NUL included), or too long.
    """
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, got {type(value).__name__}")
    if _CONTROL.search(value):
        raise ValueError(f"{what} contains a control character: {printable(value, 80)!r}")
    if len(value) > max_length:
        raise ValueError(f"{what} is {len(value)} characters long; at most {max_length} are kept")
    return value

"""Read a landed part once, in Python, before DuckDB parses it: is it gzip, whole, UTF-8, of bounded lines?

DuckDB's CSV reader stops the whole ingest on a truncated or non-gzip file, on a line longer than its limit
and on a byte sequence that is not UTF-8. :func:`prepare` finds these first, streaming the file:

* not gzip (an empty file, plain text, bzip2, zip, ...), truncated or corrupt, or a line longer than
  :data:`MAX_LINE_BYTES`: :class:`UnreadableFile` (the loader rejects the file whole, naming the cause, and
  moves it to the quarantine prefix: its bytes are kept);
* lines that are not valid UTF-8: the file is rewritten beside it, those lines decoded with backslash
  escapes (``\\xff``), and their line numbers returned with the flaw, so the loader quarantines exactly those
  rows (reason ``invalid UTF-8``) and loads the others.

Lines end with ``\\n``, ``\\r\\n`` or a lone ``\\r``, as DuckDB's reader splits them; line 1 is the header.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: The longest line accepted (DuckDB's reader is given this as its limit).
MAX_LINE_BYTES = 8 << 20
_CHUNK = 1 << 20
_NEWLINE = re.compile(rb"\r\n|\r|\n")
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"PK\x03\x04", "zip"), (b"\x28\xb5\x2f\xfd", "zstd"),
          (b"\xfd7zXZ", "xz"))


class UnreadableFile(ValueError):
    """A landed part is not readable as gzipped text of bounded lines; the message says why."""


@dataclass
class Prepared:
    """What DuckDB should read for a part.

    :param path: the file to read (the download itself, or its rewritten copy).
    :param compression: ``gzip`` (the download) or ``none`` (the rewritten copy).
    :param flaws: line number (header = 1) -> why the line cannot be a row (``invalid UTF-8 ...``).
    """

    path: Path
    compression: str = "gzip"
    flaws: dict[int, str] = field(default_factory=dict)


def _kind(head: bytes) -> str:
    if not head:
        return "an empty file (0 bytes)"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"{name} data"
    return "plain text" if head.isascii() else "not gzip data"


def _chunks(path: Path) -> Iterator[bytes]:
    """The decompressed bytes of a gzip file (one or more members), chunk by chunk.

    :raises UnreadableFile: not gzip, truncated or corrupt.
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
        if not head.startswith(b"\x1f\x8b"):
            raise UnreadableFile(f"not a gzip file: {_kind(head)}")
        fh.seek(0)
        inflater = zlib.decompressobj(wbits=31)
        try:
            for raw in iter(lambda: fh.read(_CHUNK), b""):
                while raw:
                    yield inflater.decompress(raw)
                    raw = inflater.unused_data
                    if raw:  # a further gzip member follows
                        inflater = zlib.decompressobj(wbits=31)
            yield inflater.flush()
        except zlib.error as err:
            raise UnreadableFile(f"corrupt gzip data: {err}") from err
        if not inflater.eof:
            raise UnreadableFile("truncated gzip file: the compressed stream ends before its end marker")


def _lines(path: Path) -> Iterator[bytes]:
    """Every line of the decompressed file, without its line end."""
    tail = b""
    for chunk in _chunks(path):
        data = tail + chunk
        carry = b""
        if data.endswith(b"\r"):  # may be the first half of \r\n: decide with the next chunk
            data, carry = data[:-1], b"\r"
        parts = _NEWLINE.split(data)
        tail = parts.pop() + carry
        if len(tail) > MAX_LINE_BYTES:
            raise UnreadableFile(f"a line longer than {MAX_LINE_BYTES} bytes")
        yield from parts
    if tail.endswith(b"\r"):
        yield tail[:-1]
    elif tail:
        yield tail


def _flaw(line: bytes) -> str | None:
    if line.isascii():
        return None
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"invalid UTF-8: byte 0x{line[err.start]:02x} at position {err.start + 1}"
    return None


def prepare(path: Path) -> Prepared:
    """Check a downloaded part and say what DuckDB should read.

    :param path: the downloaded (gzip) file.
    :raises UnreadableFile: not gzip, truncated or corrupt, or a line longer than :data:`MAX_LINE_BYTES`.
    """
    flaws: dict[int, str] = {}
    for number, line in enumerate(_lines(path), start=1):
        if len(line) > MAX_LINE_BYTES:
            raise UnreadableFile(f"line {number} is longer than {MAX_LINE_BYTES} bytes")
        flaw = _flaw(line)
        if flaw:
            flaws[number] = flaw
    if not flaws:
        return Prepared(path)
    repaired = path.with_name(path.name + ".utf8.csv")
    with open(repaired, "w", encoding="utf-8", newline="\n") as out:
        for line in _lines(path):
            out.write(line.decode("utf-8", errors="backslashreplace") + "\n")
    return Prepared(repaired, "none", flaws)

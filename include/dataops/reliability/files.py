"""Landed files and manifests of hostile batches: how a part's bytes and the batch's manifest can be wrong.

A :class:`Part` is a header and lines; :data:`ENCODINGS` turn its text into the bytes that land (gzip as the
contract says, or truncated, uncompressed, another compression, empty ...); :data:`MANIFESTS` write the
manifest honestly or lying (checksums, row counts, keys missing, listed twice or outside the partition).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from dataops.reliability.rows import HEADER, Line

GZIP = "gzip"


@dataclass
class Part:
    """One landed file of a case.

    :param name: the file name inside the batch's partition.
    :param lines: its data lines.
    :param header: its first line.
    :param encoding: a key of :data:`ENCODINGS`.
    :param newline: the line end written.
    :param copy_of: the name of another part of the case whose bytes this one lands again.
    """

    name: str
    lines: list[Line] = field(default_factory=list)
    header: str = HEADER
    encoding: str = GZIP
    newline: bytes = b"\n"
    copy_of: str | None = None

    def text(self) -> bytes:
        """The uncompressed content: header, lines, each ended by ``newline``."""
        return b"".join(line + self.newline for line in [self.header.encode("utf-8"), *(x.data for x in self.lines)])


def _gzip(text: bytes, rng: random.Random) -> bytes:
    return gzip.compress(text, mtime=0)


def _gzip_members(text: bytes, rng: random.Random) -> bytes:
    """Two gzip members one after the other (valid gzip: ``cat a.gz b.gz``)."""
    cut = rng.randint(0, len(text))
    return gzip.compress(text[:cut], mtime=0) + gzip.compress(text[cut:], mtime=0)


def _truncated(text: bytes, rng: random.Random) -> bytes:
    body = gzip.compress(text, mtime=0)
    return body[:rng.randint(1, len(body) - 1)]


def _corrupt(text: bytes, rng: random.Random) -> bytes:
    """A gzip stream with bytes flipped inside its compressed data."""
    body = bytearray(gzip.compress(text, mtime=0))
    for _ in range(4):
        i = rng.randint(10, max(len(body) - 9, 10))
        body[i % len(body)] ^= 0xFF
    return bytes(body)


def _plain(text: bytes, rng: random.Random) -> bytes:
    return text


def _bzip2(text: bytes, rng: random.Random) -> bytes:
    return bz2.compress(text)


def _zip(text: bytes, rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("part.csv", text)
    return buffer.getvalue()


def _empty(text: bytes, rng: random.Random) -> bytes:
    return b""


def _gzip_empty(text: bytes, rng: random.Random) -> bytes:
    return gzip.compress(b"", mtime=0)


def _noise(text: bytes, rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(1, 4096))


def _bom(text: bytes, rng: random.Random) -> bytes:
    return gzip.compress(b"\xef\xbb\xbf" + text, mtime=0)


def _no_final_newline(text: bytes, rng: random.Random) -> bytes:
    return gzip.compress(text.rstrip(b"\r\n"), mtime=0)


ENCODINGS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    GZIP: _gzip, "gzip_members": _gzip_members, "truncated_gzip": _truncated, "corrupt_gzip": _corrupt,
    "plain": _plain, "bzip2": _bzip2, "zip": _zip, "empty": _empty, "gzip_empty": _gzip_empty, "noise": _noise,
    "bom": _bom,
    "no_final_newline": _no_final_newline,
}
#: Encodings that land no line of the part at all (its lines are not counted as landed).
LANDS_NOTHING = frozenset({"empty", "gzip_empty", "noise"})


def encode(part: Part, rng: random.Random) -> bytes:
    """The bytes that land for ``part``."""
    return ENCODINGS[part.encoding](part.text(), rng)


# -- manifests ----------------------------------------------------------------------------------------------------
def entries(partition: str, parts: list[Part], bodies: dict[str, bytes]) -> list[dict]:
    """The honest manifest entries: key, rows (lines written) and SHA-256 of each landed part."""
    return [{"key": f"{partition}/{p.name}", "rows": len(p.lines), "sha256": hashlib.sha256(bodies[p.name]).hexdigest()}
            for p in parts]


def _honest(items: list[dict], partition: str, rng: random.Random) -> object:
    return {"parts": items}


def _checksum_lie(items: list[dict], partition: str, rng: random.Random) -> object:
    lied = dict(items[0], sha256=hashlib.sha256(rng.randbytes(16)).hexdigest())
    return {"parts": [lied, *items[1:]]}


def _rows_lie(items: list[dict], partition: str, rng: random.Random) -> object:
    return {"parts": [dict(e, rows=e["rows"] + rng.randint(1, 50)) for e in items]}


def _missing_part(items: list[dict], partition: str, rng: random.Random) -> object:
    ghost = {"key": f"{partition}/part-{rng.randint(100, 999):05d}.csv.gz", "rows": 3, "sha256": "0" * 64}
    return {"parts": [*items, ghost]}


def _listed_twice(items: list[dict], partition: str, rng: random.Random) -> object:
    return {"parts": [*items, dict(rng.choice(items))]}


def _outside(items: list[dict], partition: str, rng: random.Random) -> object:
    prefix, _, folder = partition.partition("/")
    name = items[0]["key"].rsplit("/", 1)[-1]
    key = rng.choice([f"{prefix}/batch_date=1999-01-01/{name}", f"{partition}/../batch_date=1999-01-01/{name}",
                      f"/{partition}/{name}", f"chargebacks/{folder}/{name}", f"quarantine/{partition}/{name}",
                      f"{partition}/sub\n/{name}", f"{partition}/{name}\x00", partition, f"{partition}\\..\\{name}"])
    return {"parts": [*items, dict(items[0], key=key)]}


def _not_json(items: list[dict], partition: str, rng: random.Random) -> object:
    return rng.choice([b"{", b"", b"\xff\xfe{}", b"[1, 2", b"parts: []"])


def _malformed(items: list[dict], partition: str, rng: random.Random) -> object:
    broken = rng.choice([{"key": items[0]["key"]}, dict(items[0], rows="many"), dict(items[0], rows=-1),
                         dict(items[0], rows=True), dict(items[0], sha256="abc"), dict(items[0], key=42), "part"])
    return rng.choice([{"parts": [broken, *items[1:]]}, {"parts": "all"}, [items], {"files": items}])


MANIFESTS: dict[str, Callable[[list[dict], str, random.Random], object]] = {
    "honest": _honest, "checksum_lie": _checksum_lie, "rows_lie": _rows_lie, "missing_part": _missing_part,
    "listed_twice": _listed_twice, "outside_partition": _outside, "not_json": _not_json, "malformed": _malformed,
}


def manifest_body(kind: str, items: list[dict], partition: str, rng: random.Random) -> bytes:
    """The manifest's bytes (``kind``: a key of :data:`MANIFESTS`)."""
    doc = MANIFESTS[kind](items, partition, rng)
    return doc if isinstance(doc, bytes) else json.dumps(doc).encode("utf-8")

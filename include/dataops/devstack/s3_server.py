"""``python -m dataops.devstack.s3_server --port P --dir D``: the embedded stack's S3 endpoint, kept on disk.

moto's S3 implementation answers the requests (the same API the tests use), and a write-through mirror keeps
every bucket and object in ``D`` (layout: :mod:`dataops.devstack.s3_disk`):

- moto's backend methods that create or remove a bucket or an object (``create_bucket``, ``delete_bucket``,
  ``put_object`` and ``delete_object``; copy, multipart completion and multi-object delete go through them)
  note which bucket/key a request touched;
- after the request, before its response is sent, each touched bucket/key is copied from moto's memory to
  disk (or removed from it): what the client was told has happened is on disk;
- at start, before the port opens, every stored bucket and object is loaded back into moto.

Requests that change something run one at a time (the dev stack's load is small); reads run in parallel.
Not kept: object versions (only the current one), tags, ACLs, bucket configuration, unfinished multipart
uploads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import inspect
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeKey, S3Backend, s3_backends

from dataops.devstack.s3_disk import DiskStore, KeyNotStorable

log = logging.getLogger("dataops.devstack.s3_server")

_TRACKED = ("create_bucket", "delete_bucket", "put_object", "delete_object")
_CHECKSUM_ATTRS = ("checksum_algorithm", "checksum_value", "checksum_type", "checksum_parts")
_request = threading.local()  # .touched: set of (bucket, key or None) while a changing request runs


class KeyNotStorableError(S3ClientError):
    """moto renders it as an S3 error response (HTTP 400), so the client sees the refusal."""

    code = "KeyNotStorableLocally"


# -- moto backend -> disk ------------------------------------------------------------------------------------
def _tracked(method: Callable[..., Any], store: DiskStore) -> Callable[..., Any]:
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        touched = getattr(_request, "touched", None)
        if touched is None:  # not inside a request (restore at start)
            return method(self, *args, **kwargs)
        call = signature.bind(self, *args, **kwargs).arguments
        bucket, key = call["bucket_name"], call.get("key_name")
        if method.__name__ == "put_object":
            try:
                store.check_storable(bucket, key)
            except KeyNotStorable as exc:
                raise KeyNotStorableError(str(exc)) from exc
        touched.add((bucket, key))
        return method(self, *args, **kwargs)

    wrapper.__wrapped_by_dataops__ = True  # type: ignore[attr-defined]
    return wrapper


def install_hooks(store: DiskStore) -> None:
    """Make moto's S3 backend note every bucket/key a request creates or removes."""
    for name in _TRACKED:
        method = getattr(S3Backend, name)
        if getattr(method, "__wrapped_by_dataops__", False):
            method = method.__wrapped__
        setattr(S3Backend, name, _tracked(method, store))


def find_bucket(name: str) -> Any | None:
    """moto's bucket object (whichever account/partition holds it), or None."""
    where = s3_backends.bucket_accounts.get(name)
    if where is None:
        return None
    partition, account_id = where
    return s3_backends[account_id][partition].buckets.get(name)


def bucket_record(bucket: Any) -> dict[str, Any]:
    return {"name": bucket.name, "account_id": bucket.account_id, "partition": bucket.partition,
            "region": bucket.region_name, "created": bucket.creation_date.isoformat()}


def object_record(key: FakeKey, data: bytes) -> dict[str, Any]:
    return {
        "key": key.name,
        "size": len(data),
        "md5": hashlib.md5(data).hexdigest(),  # noqa: S324 (content check, not security)
        "etag": key.etag.strip('"'),
        "last_modified": key.last_modified.isoformat(),
        "storage_class": key.storage_class,
        "metadata": dict(key.metadata),
        "checksum": {attr: getattr(key, attr, None) for attr in _CHECKSUM_ATTRS},
    }


def sync(store: DiskStore, bucket_name: str, key_name: str | None) -> None:
    """Make the disk hold what moto holds now for one bucket (``key_name`` None) or one object."""
    bucket = find_bucket(bucket_name)
    if key_name is None:
        if bucket is None:
            store.remove_bucket(bucket_name)
        else:
            store.write_bucket(bucket_record(bucket))
        return
    key = bucket.keys.get(key_name) if bucket is not None else None
    if isinstance(key, FakeKey):  # not a delete marker
        data = key.value
        store.write_object(bucket_name, key_name, data, object_record(key, data))
    else:
        store.remove_object(bucket_name, key_name)


# -- disk -> moto backend ------------------------------------------------------------------------------------
def restore(store: DiskStore) -> tuple[int, int]:
    """Load every stored bucket and object into moto; return (buckets, objects)."""
    n_buckets = n_objects = 0
    for record in store.buckets():
        backend = s3_backends[record["account_id"]][record["partition"]]
        bucket = backend.create_bucket(record["name"], record["region"])
        bucket.creation_date = dt.datetime.fromisoformat(record["created"])
        n_buckets += 1
        for meta, data_path in store.objects(record["name"]):
            _restore_object(backend, record["name"], meta, data_path.read_bytes())
            n_objects += 1
    return n_buckets, n_objects


def _restore_object(backend: S3Backend, bucket: str, meta: dict[str, Any], data: bytes) -> None:
    etag, checksum = meta["etag"], meta["checksum"]
    if hashlib.md5(data).hexdigest() != meta["md5"]:  # noqa: S324
        # Bytes replaced but the record not (a crash between the two writes): the bytes win, and the
        # record's ETag and checksum, which describe the older bytes, are dropped (moto recomputes the ETag).
        log.warning("s3://%s/%s: stored bytes differ from their record; recomputing the ETag", bucket, meta["key"])
        etag, checksum = None, {}
    key = backend.put_object(bucket, meta["key"], data, storage=meta["storage_class"], etag=etag,
                             disable_notification=True)
    key.set_metadata(dict(meta["metadata"]))
    key.last_modified = dt.datetime.fromisoformat(meta["last_modified"])
    for attr, value in checksum.items():
        setattr(key, attr, value)


# -- WSGI ----------------------------------------------------------------------------------------------------
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class DurableS3App:
    """WSGI middleware: after each changing request, mirror what it touched to disk, then respond.

    :param app: moto's S3 WSGI application.
    :param store: where the mirror lives.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], store: DiskStore) -> None:
        self.app = app
        self.store = store
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET") in _READ_METHODS:
            return self.app(environ, start_response)
        with self.lock:
            return self._changing(environ, start_response)

    def _changing(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
            captured[:] = [status, headers, exc_info]
            return _no_write

        _request.touched = set()
        try:
            body = list(self.app(environ, capture))
        finally:
            touched, _request.touched = _request.touched, None
        try:
            for bucket, key in sorted(touched, key=lambda t: (t[0], t[1] is not None, t[1] or "")):
                sync(self.store, bucket, key)
        except OSError as exc:
            log.exception("could not write the change to %s", self.store.root)
            message = f"the change is not on disk: {exc}"
            return _error(start_response, "500 Internal Server Error", "InternalError", message)
        start_response(*captured)
        return body


def _no_write(data: bytes) -> None:
    raise RuntimeError("moto's app is expected to return its body, not write it")


def _error(start_response: Callable[..., Any], status: str, code: str, message: str) -> list[bytes]:
    from xml.sax.saxutils import escape

    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message></Error>").encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


def make_app(folder: str | Path) -> DurableS3App:
    """Restore ``folder`` into moto and return the durable WSGI app."""
    from moto.moto_server.werkzeug_app import create_backend_app

    store = DiskStore(folder)
    install_hooks(store)
    buckets, objects = restore(store)
    log.info("restored %d bucket(s) and %d object(s) from %s", buckets, objects, store.root)
    return DurableS3App(create_backend_app("s3"), store)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local S3 endpoint (moto) that keeps its objects on disk")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--dir", required=True, help="folder that holds the buckets and objects")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    app = make_app(args.dir)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    print(f"S3 endpoint on http://{args.host}:{args.port}, objects kept in {args.dir}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    with app.lock:  # let a change in flight reach the disk before the process exits
        server.server_close()


if __name__ == "__main__":
    main()

"""``python -m dataops ingest``: load one landed batch into the warehouse, as the Airflow task does."""

from __future__ import annotations

import argparse
import json
from typing import Any


def cmd_ingest(args: argparse.Namespace) -> int:
    import boto3

    from dataops import settings
    from dataops.datasets import load_dataset
    from dataops.ingest import ingest_batch
    from dataops.ingest.s3_retry import single_attempt_config, with_s3_retries
    from dataops.warehouse import WarehouseLocation

    s3 = with_s3_retries(boto3.client("s3", endpoint_url=args.endpoint_url or settings.get("DATAOPS_S3_ENDPOINT_URL"),
                                      config=single_attempt_config()), connection="DATAOPS_S3_ENDPOINT_URL")
    dataset = load_dataset(args.dataset)
    location = WarehouseLocation.from_env()
    failed = False
    for source in args.source or list(dataset.sources):
        report = ingest_batch(s3, settings.landing_bucket(args.bucket), dataset, source, args.date, location)
        print(json.dumps(report.to_dict()) if args.json else report.summary())
        failed |= bool(report.rejected)
    return 1 if failed else 0


def add_subcommands(subparsers: Any) -> None:
    p = subparsers.add_parser("ingest", help="load one landed batch (every source of the dataset)")
    p.add_argument("--date", required=True, help="batch date YYYY-MM-DD")
    p.add_argument("--dataset", default="transactions")
    p.add_argument("--source", action="append", help="only this source (repeatable)")
    p.add_argument("--bucket", default=None, help="landing bucket (env DATAOPS_LANDING_BUCKET)")
    p.add_argument("--endpoint-url", default=None, help="S3 endpoint (env DATAOPS_S3_ENDPOINT_URL)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_ingest)

#!/bin/sh
# One-shot MinIO setup, run by the `minio-init` compose service on every `up` (idempotent):
#   1. the landing, artifact and reports buckets,
#   2. a policy `dataops-buckets` allowing everything on those three buckets and nothing else,
#   3. the access key Airflow and the core library use (S3_ACCESS_KEY / S3_SECRET_KEY), with that policy.
# The MinIO root account is used only here. Shell builtins only: the mc image has no grep/sed/cat.
set -eu

: "${MINIO_ENDPOINT:?}" "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}"
: "${S3_ACCESS_KEY:?}" "${S3_SECRET_KEY:?}" "${LANDING_BUCKET:?}" "${ARTIFACT_BUCKET:?}" "${REPORTS_BUCKET:?}"
POLICY=dataops-buckets
POLICY_FILE=/tmp/$POLICY.json

mc alias set local "$MINIO_ENDPOINT" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null

resources=""
for bucket in "$LANDING_BUCKET" "$ARTIFACT_BUCKET" "$REPORTS_BUCKET"; do
  mc mb --ignore-existing "local/$bucket"
  resources="$resources\"arn:aws:s3:::$bucket\", \"arn:aws:s3:::$bucket/*\", "
done
resources=${resources%, }

printf '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": [%s]}]}\n' \
  "$resources" > "$POLICY_FILE"
mc admin policy create local "$POLICY" "$POLICY_FILE"

# `user add` on an existing key updates its secret, so a changed S3_SECRET_KEY takes effect.
mc admin user add local "$S3_ACCESS_KEY" "$S3_SECRET_KEY"
if ! mc admin policy attach local "$POLICY" --user "$S3_ACCESS_KEY"; then
  # Attaching fails when the policy is attached already: accept that case only.
  case "$(mc admin user info local "$S3_ACCESS_KEY")" in
    *"$POLICY"*) echo "policy $POLICY already attached to $S3_ACCESS_KEY" ;;
    *) echo "could not attach policy $POLICY to $S3_ACCESS_KEY" >&2; exit 1 ;;
  esac
fi

echo "buckets $LANDING_BUCKET, $ARTIFACT_BUCKET, $REPORTS_BUCKET and access key $S3_ACCESS_KEY are ready"

#!/usr/bin/env bash
# Create the analytical warehouse next to the Airflow metadata database: a login role and a database
# `$WAREHOUSE_DB` owned by it (so dbt and the ingest can create the raw/staging/intermediate/marts schemas).
#
# Run by the postgres image's entrypoint from /docker-entrypoint-initdb.d, once, when the data volume is
# empty. After changing WAREHOUSE_* in .env on an existing volume, either run the statements by hand or
# recreate the volume (`docker compose down -v` deletes ALL data).
#
# Values are passed as psql variables (:"ident" / :'literal'), so psql quotes them; nothing is spliced
# into SQL by the shell.
set -euo pipefail

: "${WAREHOUSE_DB:?WAREHOUSE_DB must be set}"
: "${WAREHOUSE_USER:?WAREHOUSE_USER must be set}"
: "${WAREHOUSE_PASSWORD:?WAREHOUSE_PASSWORD must be set}"

psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set wh_db="$WAREHOUSE_DB" --set wh_user="$WAREHOUSE_USER" --set wh_password="$WAREHOUSE_PASSWORD" <<'SQL'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'wh_user') AS create_role \gset
\if :create_role
CREATE ROLE :"wh_user" LOGIN PASSWORD :'wh_password';
\else
ALTER ROLE :"wh_user" LOGIN PASSWORD :'wh_password';
\endif
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'wh_db') AS create_db \gset
\if :create_db
CREATE DATABASE :"wh_db" OWNER :"wh_user";
\endif
REVOKE ALL ON DATABASE :"wh_db" FROM PUBLIC;
GRANT ALL PRIVILEGES ON DATABASE :"wh_db" TO :"wh_user";
SQL

echo "warehouse database '$WAREHOUSE_DB' owned by role '$WAREHOUSE_USER' is ready"

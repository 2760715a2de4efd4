{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='batch_date',
        on_schema_change='fail'
    )
}}
-- One row per transaction, rebuilt per batch (delete+insert on batch_date). Labels change long
-- after a batch is built, so they are not stored here: see the view fct_transaction_labels.
select
    tx_id,
    batch_date,
    tx_ts,
    customer_id,
    terminal_id,
    amount,
    mcc,
    channel,
    country,
    currency,
    source_file,
    source_line,
    ingest_version,
    loaded_at
from {{ ref('stg_landing__transactions') }}
where {{ batch_date_filter() }}

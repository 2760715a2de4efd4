-- Chargebacks (fraud labels) from the landing zone: rename and cast only.
select
    cast(tx_id as {{ dbt.type_string() }}) as tx_id,
    cast(batch_date as date) as batch_date,
    cast(tx_ts as {{ dbt.type_timestamp() }}) as tx_ts,
    cast(reported_at as {{ dbt.type_timestamp() }}) as reported_at,
    cast(reason_code as {{ dbt.type_string() }}) as reason_code,
    cast(source_file as {{ dbt.type_string() }}) as source_file,
    cast(source_line as integer) as source_line,
    cast(ingest_version as integer) as ingest_version,
    cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
from {{ source('landing', 'chargebacks') }}

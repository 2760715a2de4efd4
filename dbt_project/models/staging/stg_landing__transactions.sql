-- Transactions from the landing zone: rename and cast only, one row per raw row.
select
    cast(tx_id as {{ dbt.type_string() }}) as tx_id,
    cast(batch_date as date) as batch_date,
    cast(tx_ts as {{ dbt.type_timestamp() }}) as tx_ts,
    cast(customer_id as {{ dbt.type_string() }}) as customer_id,
    cast(terminal_id as {{ dbt.type_string() }}) as terminal_id,
    cast(amount as double precision) as amount,
    cast(mcc as {{ dbt.type_string() }}) as mcc,
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(country as {{ dbt.type_string() }}) as country,
    cast(currency as {{ dbt.type_string() }}) as currency,
    cast(source_file as {{ dbt.type_string() }}) as source_file,
    cast(source_line as integer) as source_line,
    cast(ingest_version as integer) as ingest_version,
    cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at
from {{ source('landing', 'transactions') }}

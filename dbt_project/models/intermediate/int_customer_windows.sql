{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='batch_date',
        on_schema_change='fail'
    )
}}
{#-
  Customer behaviour of each transaction t, looking back from t.tx_ts over the customer's
  transactions of every loaded batch. Window of N days = the customer's transactions with
  tx_ts in [t.tx_ts - N days, t.tx_ts], t itself and any transaction at the same instant included.

  A customer makes a handful of transactions a month, so each transaction is paired with the
  customer's transactions of the previous 30 days (a hash join, about 45 pairs per transaction)
  and every feature is an aggregate over those pairs: faster on DuckDB than window frames over
  the whole history, and it gives distinct countries, which PostgreSQL cannot count in a window.
  Amounts are summed as DECIMAL(18,2) (they have 2 decimals), so sums are exact and a rebuild
  gives bit-identical averages whatever the history read or the summation order.
-#}
{%- set batch = current_batch_date() -%}

with batch as (

    select tx_id, batch_date, customer_id, tx_ts
    from {{ ref('stg_landing__transactions') }}
    where {{ batch_date_filter() }}

),

history as (

    select customer_id, tx_ts, cast(amount as decimal(18, 2)) as amount, country
    from {{ ref('stg_landing__transactions') }}
    {%- if batch is not none %}
    where tx_ts >= (select {{ dbt.dateadd('day', -30, 'min(tx_ts)') }} from batch)
        and tx_ts <= (select max(tx_ts) from batch)
    {%- endif %}

),

pairs as (

    select
        batch.tx_id,
        history.country as other_country,
        history.amount as other_amount,
        case when history.tx_ts >= {{ dbt.dateadd('day', -1, 'batch.tx_ts') }} then 1 else 0 end as in_1d,
        case when history.tx_ts >= {{ dbt.dateadd('day', -7, 'batch.tx_ts') }} then 1 else 0 end as in_7d,
        case when history.tx_ts < batch.tx_ts then history.tx_ts end as earlier_ts
    from batch
    inner join history
        on history.customer_id = batch.customer_id
        and history.tx_ts >= {{ dbt.dateadd('day', -30, 'batch.tx_ts') }}
        and history.tx_ts <= batch.tx_ts

),

-- First per (transaction, country), so countries are counted without COUNT(DISTINCT).
per_country as (

    select
        tx_id,
        other_country,
        sum(in_1d) as n_1d,
        sum(in_7d) as n_7d,
        count(*) as n_30d,
        sum(case when in_7d = 1 then other_amount else 0 end) as amount_7d,
        sum(other_amount) as amount_30d,
        max(earlier_ts) as prev_ts
    from pairs
    group by tx_id, other_country

),

per_transaction as (

    select
        tx_id,
        sum(n_1d) as n_1d,
        sum(n_7d) as n_7d,
        sum(n_30d) as n_30d,
        sum(amount_7d) as amount_7d,
        sum(amount_30d) as amount_30d,
        max(prev_ts) as prev_ts,
        count(*) as n_countries
    from per_country
    group by tx_id

)

select
    batch.tx_id,
    batch.batch_date,
    batch.customer_id,
    batch.tx_ts,
    cast(windows.n_1d as {{ dbt.type_bigint() }}) as cust_tx_count_1d,
    cast(windows.n_7d as {{ dbt.type_bigint() }}) as cust_tx_count_7d,
    cast(windows.n_30d as {{ dbt.type_bigint() }}) as cust_tx_count_30d,
    cast(windows.amount_7d as double precision) / windows.n_7d as cust_amount_avg_7d,
    cast(windows.amount_30d as double precision) / windows.n_30d as cust_amount_avg_30d,
    -- Latest transaction strictly before tx_ts; capped at 30 days (2,592,000 s), which is also
    -- the value when there is none in the last 30 days.
    cast(
        case
            when windows.prev_ts is null then 2592000
            else least({{ dbt.datediff('windows.prev_ts', 'batch.tx_ts', 'second') }}, 2592000)
        end as double precision
    ) as secs_since_last_cust_tx,
    cast(windows.n_countries as {{ dbt.type_bigint() }}) as cust_country_count_30d
from batch
inner join per_transaction as windows
    on windows.tx_id = batch.tx_id

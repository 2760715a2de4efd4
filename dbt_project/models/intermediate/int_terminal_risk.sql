{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='batch_date',
        on_schema_change='fail'
    )
}}
{#-
  Point-in-time terminal risk of each transaction t of batch D:
    term_fraud_count_30d = the terminal's transactions with tx_ts in [t.tx_ts - 30d, t.tx_ts]
                           whose fraud was reported strictly before D 00:00 (first_reported_at
                           < D), i.e. only labels known when batch D was scored;
    term_risk_30d        = term_fraud_count_30d / term_tx_count_30d (same window, all
                           transactions, from int_terminal_windows), in [0, 1].
  A chargeback reported on D or later never counts for batch D, so a rebuild of D later on
  gives the same values. Frauds are rare: a join on terminal with a time range stays small.
-#}
{%- set batch = current_batch_date() -%}

with batch as (

    select tx_id, batch_date, tx_ts, terminal_id
    from {{ ref('stg_landing__transactions') }}
    where {{ batch_date_filter() }}

),

known_frauds as (

    select tx_id, terminal_id, tx_ts, first_reported_at
    from {{ ref('int_fraud_labels') }}
    {%- if batch is not none %}
    where first_reported_at < cast('{{ batch }}' as {{ dbt.type_timestamp() }})
        and terminal_id in (select terminal_id from batch)
    {%- endif %}

),

fraud_counts as (

    select
        batch.tx_id,
        count(known_frauds.tx_id) as term_fraud_count_30d
    from batch
    left join known_frauds
        on known_frauds.terminal_id = batch.terminal_id
        and known_frauds.tx_ts >= {{ dbt.dateadd('day', -30, 'batch.tx_ts') }}
        and known_frauds.tx_ts <= batch.tx_ts
        and known_frauds.first_reported_at < cast(batch.batch_date as {{ dbt.type_timestamp() }})
    group by batch.tx_id

),

terminal_windows as (

    select tx_id, term_tx_count_30d
    from {{ ref('int_terminal_windows') }}
    where {{ batch_date_filter() }}

)

select
    batch.tx_id,
    batch.batch_date,
    batch.terminal_id,
    batch.tx_ts,
    cast(fraud_counts.term_fraud_count_30d as {{ dbt.type_bigint() }}) as term_fraud_count_30d,
    cast(fraud_counts.term_fraud_count_30d as double precision)
        / terminal_windows.term_tx_count_30d as term_risk_30d
from batch
inner join fraud_counts
    on fraud_counts.tx_id = batch.tx_id
inner join terminal_windows
    on terminal_windows.tx_id = batch.tx_id

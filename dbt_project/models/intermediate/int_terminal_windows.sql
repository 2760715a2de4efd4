{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='batch_date',
        on_schema_change='fail'
    )
}}
{#-
  Terminal activity of each transaction: the terminal's transactions with tx_ts in
  [tx_ts - N days, tx_ts] (current one included) for N = 1, 7, 30, over every loaded batch.

  Busy terminals make a per-transaction self-join explode, so the counts are window frames. To
  keep the frames small, history is compressed: a window of N whole days starting at tx_ts - N
  days only cuts through the days of tx_ts and of tx_ts - N days; every day in between is either
  wholly inside or wholly outside it. So transactions are kept one by one only on "edge days"
  (day of a batch transaction minus 0, 1, 7 or 30 days); on every other day a terminal's
  transactions collapse into one row weighted by their count, placed at 00:00, and the frames sum
  the weights. Without var batch_date every day is an edge day and this is a plain window.
-#}
{%- set batch = current_batch_date() -%}

with batch as (

    select tx_id, batch_date, terminal_id, tx_ts, cast(tx_ts as date) as tx_day
    from {{ ref('stg_landing__transactions') }}
    where {{ batch_date_filter() }}

),

history as (

    select tx_id, terminal_id, tx_ts, cast(tx_ts as date) as tx_day
    from {{ ref('stg_landing__transactions') }}
    {%- if batch is not none %}
    where tx_ts >= (select {{ dbt.dateadd('day', -30, 'min(tx_ts)') }} from batch)
        and tx_ts <= (select max(tx_ts) from batch)
    {%- endif %}

),

edge_days as (

    select distinct cast({{ dbt.dateadd('day', '-window_days.n', 'batch.tx_day') }} as date) as edge_day
    from batch
    cross join (
        select 0 as n union all select 1 union all select 7 union all select 30
    ) as window_days

),

points as (

    select
        history.terminal_id,
        case
            when edge_days.edge_day is not null then history.tx_ts
            else cast(history.tx_day as {{ dbt.type_timestamp() }})
        end as point_ts,
        case when edge_days.edge_day is not null then history.tx_id end as tx_id,
        count(*) as weight
    from history
    left join edge_days
        on edge_days.edge_day = history.tx_day
    group by 1, 2, 3

),

windowed as (

    select
        tx_id,
        sum(weight) over term_1d as term_tx_count_1d,
        sum(weight) over term_7d as term_tx_count_7d,
        sum(weight) over term_30d as term_tx_count_30d
    from points
    window
        term_1d as (partition by terminal_id order by {{ window_time_key('point_ts') }}
            range between {{ window_days_offset(1) }} preceding and current row),
        term_7d as (partition by terminal_id order by {{ window_time_key('point_ts') }}
            range between {{ window_days_offset(7) }} preceding and current row),
        term_30d as (partition by terminal_id order by {{ window_time_key('point_ts') }}
            range between {{ window_days_offset(30) }} preceding and current row)

)

select
    batch.tx_id,
    batch.batch_date,
    batch.terminal_id,
    batch.tx_ts,
    cast(windowed.term_tx_count_1d as {{ dbt.type_bigint() }}) as term_tx_count_1d,
    cast(windowed.term_tx_count_7d as {{ dbt.type_bigint() }}) as term_tx_count_7d,
    cast(windowed.term_tx_count_30d as {{ dbt.type_bigint() }}) as term_tx_count_30d
from batch
inner join windowed
    on windowed.tx_id = batch.tx_id

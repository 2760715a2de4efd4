{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='batch_date',
        on_schema_change='fail'
    )
}}
-- The scoring feature table: exactly the columns of the data contract, one row per tx_id.
with transactions as (

    select * from {{ ref('fct_transactions') }}
    where {{ batch_date_filter() }}

),

customer_windows as (

    select * from {{ ref('int_customer_windows') }}
    where {{ batch_date_filter() }}

),

terminal_windows as (

    select * from {{ ref('int_terminal_windows') }}
    where {{ batch_date_filter() }}

),

terminal_risk as (

    select * from {{ ref('int_terminal_risk') }}
    where {{ batch_date_filter() }}

),

calendar as (

    select
        tx_id,
        cast(extract(hour from tx_ts) as integer) as tx_hour,
        -- ISO day of week 1 (Monday) .. 7 (Sunday), shifted to 0 .. 6.
        cast(extract(isodow from tx_ts) as integer) - 1 as tx_dow
    from transactions

)

select
    transactions.tx_id,
    transactions.batch_date,
    transactions.tx_ts,
    transactions.customer_id,
    transactions.terminal_id,
    transactions.channel,
    transactions.mcc,
    transactions.country,
    transactions.amount,
    ln(1 + transactions.amount) as log_amount,
    calendar.tx_hour,
    calendar.tx_dow,
    case when calendar.tx_hour < 6 then 1 else 0 end as is_night,
    case when calendar.tx_dow >= 5 then 1 else 0 end as is_weekend,
    customer_windows.cust_tx_count_1d,
    customer_windows.cust_tx_count_7d,
    customer_windows.cust_tx_count_30d,
    customer_windows.cust_amount_avg_7d,
    customer_windows.cust_amount_avg_30d,
    transactions.amount / customer_windows.cust_amount_avg_30d as amount_to_cust_avg_30d,
    customer_windows.secs_since_last_cust_tx,
    customer_windows.cust_country_count_30d,
    terminal_windows.term_tx_count_1d,
    terminal_windows.term_tx_count_7d,
    terminal_windows.term_tx_count_30d,
    terminal_risk.term_fraud_count_30d,
    terminal_risk.term_risk_30d
from transactions
inner join calendar
    on calendar.tx_id = transactions.tx_id
inner join customer_windows
    on customer_windows.tx_id = transactions.tx_id
inner join terminal_windows
    on terminal_windows.tx_id = transactions.tx_id
inner join terminal_risk
    on terminal_risk.tx_id = transactions.tx_id

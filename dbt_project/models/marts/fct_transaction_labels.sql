{{ config(materialized='view') }}
-- Fraud labels as known right now, one row per transaction. A view, not an incremental table:
-- chargebacks arrive weeks after a batch is built. For a point-in-time label as of instant X
-- use `fraud_reported_at < X`; a label is final once the transaction is older than the
-- maturity horizon (label_maturity_days in include/dataops/datasets/transactions.yaml).
select
    transactions.tx_id,
    transactions.batch_date,
    transactions.tx_ts,
    labels.tx_id is not null as is_fraud,
    labels.first_reported_at as fraud_reported_at
from {{ ref('fct_transactions') }} as transactions
left join {{ ref('int_fraud_labels') }} as labels
    on labels.tx_id = transactions.tx_id

-- One row per fraudulent transaction present in the warehouse, with the instant its fraud label
-- became known (first chargeback report; a repeated chargeback does not count twice).
-- batch_date is the batch of the fraudulent transaction, not of the chargeback file.
with first_reports as (

    select
        tx_id,
        min(reported_at) as first_reported_at,
        count(*) as chargeback_count
    from {{ ref('stg_landing__chargebacks') }}
    group by tx_id

)

select
    transactions.tx_id,
    transactions.batch_date,
    transactions.tx_ts,
    transactions.customer_id,
    transactions.terminal_id,
    first_reports.first_reported_at,
    first_reports.chargeback_count
from first_reports
inner join {{ ref('stg_landing__transactions') }} as transactions
    on transactions.tx_id = first_reports.tx_id

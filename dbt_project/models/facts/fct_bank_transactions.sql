-- One row per bank transaction, its amount (positive = cash in) in USD at its booked_on rate
-- (NULL when no rate exists on or before that day).
select
    transactions.transaction_id,
    transactions.booked_on,
    transactions.category,
    transactions.currency,
    transactions.currency <> 'USD' as needs_fx,
    (transactions.currency = 'USD' or fx.usd_per_unit is not null) as is_convertible,
    {{ to_usd('transactions.amount', 'transactions.currency', 'fx.usd_per_unit') }} as amount_usd
from {{ ref('stg_finance__bank_transactions') }} as transactions
{{ join_fx_rate('transactions.currency', 'transactions.booked_on') }}

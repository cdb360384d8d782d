-- One row per bank transaction booked up to the as-of date: its category and amount in USD
-- (positive = cash in; NULL when it does not convert).
select
    transaction_id,
    booked_on,
    category,
    case when category = 'operating' then amount_usd end as operating_usd,
    case when category in ('operating', 'investing') then amount_usd end as free_cash_flow_usd
from {{ ref('fct_bank_transactions') }}
where booked_on <= {{ as_of() }}

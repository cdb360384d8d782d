-- One row per bank transaction booked up to the as-of date: its category and amount in USD
-- (positive = cash in). An amount that does not convert is left out (0), as is a row of another
-- category, so a day with bank rows has a cash flow (0 when none counts), as in kpi_values.
select
    transaction_id,
    booked_on,
    category,
    case when category = 'operating' then coalesce(amount_usd, 0) else 0 end as operating_usd,
    case when category in ('operating', 'investing') then coalesce(amount_usd, 0) else 0 end as free_cash_flow_usd
from {{ ref('fct_bank_transactions') }}
where booked_on <= {{ as_of() }}

-- free_cash_flow: Σ bank amount (positive = cash in) with category operating or investing, booked_on in p, in USD. Flow.
with transactions as (
    select * from {{ ref('int_bank_transactions_converted_to_usd') }}
    where category in ('operating', 'investing')
),

periods as (
    {{ kpi_periods('flow') }}
)

select
    periods.grain,
    periods.period_start,
    coalesce(sum(transactions.amount_usd), 0) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    coalesce(bool_or(transactions.needs_fx), false) as fx_needed,
    count(transactions.transaction_id) filter (where not transactions.is_convertible) as unconvertible_count
from periods
left join transactions
    on transactions.booked_on between periods.period_start and periods.measure_date
group by periods.grain, periods.period_start

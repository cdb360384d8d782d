-- net_income: from the GL, Σ amount of revenue and other_income accounts − Σ amount of cogs,
-- operating_expense, other_expense and tax accounts, posting_date in p, in USD. Flow.
with entries as (
    select * from {{ ref('int_gl_entries_converted_to_usd') }}
),

periods as (
    {{ kpi_periods('flow') }}
)

select
    periods.grain,
    periods.period_start,
    coalesce(sum(entries.net_income_usd), 0) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    coalesce(bool_or(entries.needs_fx), false) as fx_needed,
    count(entries.entry_id) filter (where not entries.is_convertible) as unconvertible_count
from periods
left join entries
    on entries.posting_date between periods.period_start and periods.measure_date
group by periods.grain, periods.period_start

-- net_margin: net_income ÷ Σ GL amount of revenue accounts in p, both from the GL, in USD.
with entries as (
    select * from {{ ref('int_gl_entries_converted_to_usd') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

summed as (
    select
        periods.grain,
        periods.period_start,
        coalesce(sum(entries.net_income_usd), 0) as net_income,
        coalesce(sum(entries.amount_usd) filter (where entries.account_type = 'revenue'), 0) as gl_revenue,
        coalesce(bool_or(entries.needs_fx), false) as fx_needed,
        count(entries.entry_id) filter (where not entries.is_convertible) as unconvertible_count
    from periods
    left join entries
        on entries.posting_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('net_income', 'gl_revenue') }} as value,
    net_income as numerator,
    gl_revenue as denominator,
    fx_needed,
    unconvertible_count
from summed

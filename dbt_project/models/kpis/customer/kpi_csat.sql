-- csat: of the support tickets resolved in p (UTC date of resolved_at) that have a csat_score,
-- the share scoring 4 or 5. A resolved_at after the as-of date reads as empty (not resolved).
with tickets as (
    select
        cast(resolved_at as date) as resolved_date,
        csat_score
    from {{ ref('stg_customer__support_tickets') }}
    where resolved_at is not null and csat_score is not null
),

periods as (
    {{ kpi_periods('ratio') }}
),

counted as (
    select
        periods.grain,
        periods.period_start,
        count(tickets.csat_score) filter (where tickets.csat_score >= 4) as satisfied,
        count(tickets.csat_score) as rated
    from periods
    left join tickets
        on tickets.resolved_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('satisfied', 'rated') }} as value,
    cast(satisfied as double) as numerator,
    cast(rated as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from counted

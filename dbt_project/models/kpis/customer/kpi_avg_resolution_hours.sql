-- avg_resolution_hours: mean hours from opened_at to resolved_at of the support tickets resolved
-- in p (UTC date of resolved_at). A resolved_at after the as-of date reads as empty.
-- Published numerator = Σ resolution hours, denominator = tickets resolved.
with tickets as (
    select
        cast(resolved_at as date) as resolved_date,
        (epoch(resolved_at) - epoch(opened_at)) / 3600.0 as resolution_hours
    from {{ ref('stg_customer__support_tickets') }}
    where resolved_at is not null
),

periods as (
    {{ kpi_periods('ratio') }}
),

counted as (
    select
        periods.grain,
        periods.period_start,
        coalesce(sum(tickets.resolution_hours), 0) as total_hours,
        count(tickets.resolution_hours) as resolved
    from periods
    left join tickets
        on tickets.resolved_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('total_hours', 'resolved') }} as value,
    cast(total_hours as double) as numerator,
    cast(resolved as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from counted

-- downtime_hours: Σ downtime_minutes ÷ 60 of the production runs with run_date in p. Flow.
with runs as (
    select * from {{ ref('stg_operations__production_runs') }}
),

periods as (
    {{ kpi_periods('flow') }}
)

select
    periods.grain,
    periods.period_start,
    coalesce(sum(runs.downtime_minutes), 0) / 60.0 as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from periods
left join runs
    on runs.run_date between periods.period_start and periods.measure_date
group by periods.grain, periods.period_start

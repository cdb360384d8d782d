-- schedule_attainment: Σ produced_units ÷ Σ planned_units of the production runs with run_date
-- in p (can exceed 1 when production beats the plan).
with runs as (
    select * from {{ ref('stg_operations__production_runs') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

summed as (
    select
        periods.grain,
        periods.period_start,
        coalesce(sum(runs.produced_units), 0) as produced_units,
        coalesce(sum(runs.planned_units), 0) as planned_units
    from periods
    left join runs
        on runs.run_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('produced_units', 'planned_units') }} as value,
    cast(produced_units as double) as numerator,
    cast(planned_units as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from summed

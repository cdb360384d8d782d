-- training_hours_per_employee: Σ hours of the training records completed in p ÷ headcount(p)
-- (headcount on p's measurement day). Every record counts, whoever completed it.
with training as (
    select * from {{ ref('stg_people__training_records') }}
),

headcount as (
    select * from {{ ref('int_headcount_by_period') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

hours as (
    select
        periods.grain,
        periods.period_start,
        coalesce(sum(training.hours), 0) as training_hours
    from periods
    left join training
        on training.completed_on between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    hours.grain,
    hours.period_start,
    {{ safe_divide('hours.training_hours', 'headcount.headcount') }} as value,
    cast(hours.training_hours as double) as numerator,
    cast(headcount.headcount as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from hours
inner join headcount
    on hours.grain = headcount.grain and hours.period_start = headcount.period_start

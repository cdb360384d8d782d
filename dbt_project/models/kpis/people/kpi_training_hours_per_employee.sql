-- training_hours_per_employee: Σ hours of the training records completed in p ÷ headcount(p)
-- (headcount on p's measurement day). Every record counts, whoever completed it.
with hours as (
    {{ sum_by_period(ref('int_training_daily'), ['training_hours']) }}
),

combined as (
    select
        hours.grain,
        hours.period_start,
        hours.training_hours,
        headcount.headcount
    from hours
    inner join {{ ref('int_headcount_by_period') }} as headcount
        on hours.grain = headcount.grain and hours.period_start = headcount.period_start
)

{{ kpi_select('combined', 'training_hours', 'headcount') }}

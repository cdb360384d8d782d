{{ config(meta={"not_a_kpi_input": true}) }}
-- The period spine: every UTC calendar period of every grain from the earliest event date of
-- the whole landing zone (fx_rates included) to the period of the as-of date. Each KPI trims it
-- to its own first period in kpi_values.
--
-- Comparison windows (kpis.md, "To-date comparisons"): for an incomplete period the previous and
-- year-ago periods are cut at the same calendar position: as many whole months and days into the
-- comparison period as the as-of date is into p, capped at the comparison period's end.
with bounds as (
    select min(min_event_date) as first_day from {{ ref('int_event_date_bounds') }}
),

days as (
    select cast(unnest(generate_series(first_day, {{ as_of() }}, interval 1 day)) as date) as day
    from bounds
    where first_day is not null and first_day <= {{ as_of() }}
),

grains as (
    select grain from (values ('day'), ('week'), ('month'), ('quarter'), ('year')) as g (grain)
),

periods as (
    select distinct
        grains.grain,
        {{ period_start('grains.grain', 'days.day') }} as period_start
    from days
    cross join grains
),

steps as (
    select
        grain,
        period_start,
        case grain
            when 'day' then interval 1 day
            when 'week' then interval 7 day
            when 'month' then interval 1 month
            when 'quarter' then interval 3 month
            when 'year' then interval 1 year
        end as step
    from periods
),

bounded as (
    select
        grain,
        period_start,
        step,
        cast(period_start + step as date) - 1 as period_end,
        cast(period_start - step as date) as previous_start,
        period_start - 1 as previous_end,
        cast(period_start - interval 1 year as date) as year_ago_start
    from steps
),

measured as (
    select
        *,
        period_end <= {{ as_of() }} as is_complete,
        least(period_end, {{ as_of() }}) as measure_date,
        cast(year_ago_start + step as date) - 1 as year_ago_end
    from bounded
),

positioned as (
    select
        *,
        -- how far the measurement day is into the period, in whole months and days
        case when grain in ('month', 'quarter', 'year') then datediff('month', period_start, measure_date) else 0 end
            as months_into,
        case
            when grain in ('month', 'quarter', 'year') then day(measure_date) - 1
            else measure_date - period_start
        end as days_into
    from measured
)

select
    grain,
    period_start,
    period_end,
    measure_date,
    is_complete,
    period_end - period_start + 1 as days_in_period,
    measure_date - period_start + 1 as days_elapsed,
    previous_start,
    previous_end,
    -- previous period cut at the same calendar position (the full period when p is complete)
    case when is_complete then previous_end else least(
        cast(previous_start + to_months(months_into) + to_days(days_into) as date), previous_end
    ) end as previous_to_date_end,
    year_ago_start,
    year_ago_end,
    case when is_complete then year_ago_end else least(
        cast(year_ago_start + to_months(months_into) + to_days(days_into) as date), year_ago_end
    ) end as year_ago_to_date_end
from positioned

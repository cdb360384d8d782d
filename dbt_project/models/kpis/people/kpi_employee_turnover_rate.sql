-- employee_turnover_rate: employees with terminated_on in p ÷ the average headcount
-- ((headcount on the last day of p−1 + headcount on p's measurement day) ÷ 2).
-- A terminated_on after the as-of date has not happened yet (int_terminations_daily).
with leavers as (
    {{ sum_by_period(ref('int_terminations_daily'), ['leavers']) }}
),

combined as (
    select
        leavers.grain,
        leavers.period_start,
        leavers.leavers,
        (headcount.previous_headcount + headcount.headcount) / 2.0 as average_headcount
    from leavers
    inner join {{ ref('int_headcount_by_period') }} as headcount
        on leavers.grain = headcount.grain and leavers.period_start = headcount.period_start
)

{{ kpi_select('combined', 'leavers', 'average_headcount') }}

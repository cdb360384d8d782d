-- employee_turnover_rate: employees with terminated_on in p ÷ the average headcount
-- ((headcount on the last day of p−1 + headcount on p's measurement day) ÷ 2).
-- A terminated_on after the as-of date already reads as empty (staging).
with employees as (
    select * from {{ ref('stg_people__employees') }}
    where terminated_on is not null
),

headcount as (
    select * from {{ ref('int_headcount_by_period') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

leavers as (
    select
        periods.grain,
        periods.period_start,
        count(employees.employee_id) as leavers
    from periods
    left join employees
        on employees.terminated_on between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
),

averaged as (
    select
        leavers.grain,
        leavers.period_start,
        leavers.leavers,
        (headcount.previous_headcount + headcount.headcount) / 2.0 as average_headcount
    from leavers
    inner join headcount
        on leavers.grain = headcount.grain and leavers.period_start = headcount.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('leavers', 'average_headcount') }} as value,
    cast(leavers as double) as numerator,
    cast(average_headcount as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from averaged

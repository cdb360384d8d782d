-- Revenue of p (up to its measurement day) against its comparison period b, per grain (month,
-- quarter, year), period and comparison ('previous' = p−1, 'year_ago' = p−1y), both to date for
-- an incomplete p (int_periods' *_to_date_end; kpis.md, "To-date comparisons"). Read from the
-- day grain (a range join of ~50 periods with ~1,000 days, not with the orders). Every period
-- has both rows (0 revenue when empty); fx_needed / unconvertible_count cover the completed
-- orders of both windows.
with days as (
    select * from {{ ref('int_orders_daily') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

windows as (
    select
        periods.grain,
        periods.period_start,
        comparisons.comparison,
        'current' as window_name,
        periods.period_start as window_start,
        periods.measure_date as window_end
    from periods
    cross join (values ('previous'), ('year_ago')) as comparisons (comparison)
    union all
    select
        grain,
        period_start,
        'previous' as comparison,
        'base' as window_name,
        previous_start as window_start,
        previous_to_date_end as window_end
    from periods
    union all
    select
        grain,
        period_start,
        'year_ago' as comparison,
        'base' as window_name,
        year_ago_start as window_start,
        year_ago_to_date_end as window_end
    from periods
),

summed as (
    select
        windows.grain,
        windows.period_start,
        windows.comparison,
        windows.window_name,
        coalesce(sum(days.revenue_usd), 0) as revenue,
        coalesce(bool_or(days.fx_needed), false) as fx_needed,
        coalesce(sum(days.unconvertible_orders), 0) as unconvertible_count
    from windows
    left join days on days.day between windows.window_start and windows.window_end
    group by windows.grain, windows.period_start, windows.comparison, windows.window_name
)

select
    current_window.grain,
    current_window.period_start,
    current_window.comparison,
    current_window.revenue,
    base_window.revenue as base_revenue,
    current_window.fx_needed or base_window.fx_needed as fx_needed,
    current_window.unconvertible_count + base_window.unconvertible_count as unconvertible_count
from summed as current_window
inner join summed as base_window
    on
        current_window.grain = base_window.grain
        and current_window.period_start = base_window.period_start
        and current_window.comparison = base_window.comparison
        and base_window.window_name = 'base'
where current_window.window_name = 'current'

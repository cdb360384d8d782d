-- Revenue of p (up to its measurement day) against its comparison period b, per grain
-- (month, quarter, year), period and comparison ('previous' = p−1, 'year_ago' = p−1y), both
-- to date for an incomplete p. Every period of the spine has both rows (0 revenue when empty).
-- fx_needed / unconvertible_count cover the completed orders of both windows.
with windows as (
    select * from {{ ref('int_revenue_by_customer_product_window') }}
),

periods as (
    select
        grain,
        period_start
    from {{ ref('int_periods') }}
    where grain in ('month', 'quarter', 'year')
),

comparisons as (
    select comparison from (values ('previous'), ('year_ago')) as c (comparison)
),

by_window as (
    select
        grain,
        period_start,
        window_name,
        coalesce(sum(net_revenue_usd), 0) as revenue,
        coalesce(bool_or(needs_fx), false) as needs_fx,
        coalesce(sum(order_count) filter (where not is_convertible), 0) as unconvertible_count
    from windows
    group by grain, period_start, window_name
)

select
    periods.grain,
    periods.period_start,
    comparisons.comparison,
    coalesce(current_window.revenue, 0) as revenue,
    coalesce(base_window.revenue, 0) as base_revenue,
    coalesce(current_window.needs_fx, false) or coalesce(base_window.needs_fx, false) as fx_needed,
    coalesce(current_window.unconvertible_count, 0) + coalesce(base_window.unconvertible_count, 0)
        as unconvertible_count
from periods
cross join comparisons
left join by_window as current_window
    on
        periods.grain = current_window.grain
        and periods.period_start = current_window.period_start
        and current_window.window_name = 'current'
left join by_window as base_window
    on
        periods.grain = base_window.grain
        and periods.period_start = base_window.period_start
        and comparisons.comparison = base_window.window_name

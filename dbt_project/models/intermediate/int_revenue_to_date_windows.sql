-- The comparison windows of the incomplete periods (at most one per grain: the period of the
-- as-of date), cut at the same calendar position (kpis.md, "To-date comparisons"): p−1 from
-- previous_start to previous_to_date_end, p−1y from year_ago_start to year_ago_to_date_end;
-- per customer, product and convertibility, as int_revenue_by_customer_product_period.
-- Each distinct window is summed once: a year's p−1 and p−1y are the same window (the year
-- before, to date), the largest of them (about 600 k rows a night at scale 100), and it gets
-- both comparisons' rows from the one sum.
with windows as (
    select
        grain,
        period_start,
        'previous' as comparison,
        previous_start as window_start,
        previous_to_date_end as window_end
    from ({{ kpi_periods('ratio') }}) as periods
    where not is_complete
    union all
    select
        grain,
        period_start,
        'year_ago' as comparison,
        year_ago_start as window_start,
        year_ago_to_date_end as window_end
    from ({{ kpi_periods('ratio') }}) as periods
    where not is_complete
),

bounds as (
    select distinct
        window_start,
        window_end
    from windows
),

window_sums as (
    select
        bounds.window_start,
        bounds.window_end,
        days.customer_id,
        days.product_id,
        days.is_convertible,
        bool_or(days.needs_fx) as needs_fx,
        sum(days.order_count) as order_count,
        sum(days.quantity) as quantity,
        sum(days.net_revenue_usd) as net_revenue_usd
    from bounds
    inner join {{ ref('int_revenue_customer_product_days') }} as days
        on days.day between bounds.window_start and bounds.window_end
    group by bounds.window_start, bounds.window_end, days.customer_id, days.product_id, days.is_convertible
)

select
    windows.grain,
    windows.period_start,
    windows.comparison,
    window_sums.customer_id,
    window_sums.product_id,
    window_sums.is_convertible,
    window_sums.needs_fx,
    window_sums.order_count,
    window_sums.quantity,
    window_sums.net_revenue_usd
from windows
inner join window_sums
    on
        windows.window_start = window_sums.window_start
        and windows.window_end = window_sums.window_end

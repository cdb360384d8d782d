-- The comparison windows of the incomplete periods (at most one per grain: the period of the
-- as-of date), cut at the same calendar position (kpis.md, "To-date comparisons"): p−1 from
-- previous_start to previous_to_date_end, p−1y from year_ago_start to year_ago_to_date_end;
-- per customer, product and convertibility, as int_revenue_by_customer_product_period.
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
)

select
    windows.grain,
    windows.period_start,
    windows.comparison,
    days.customer_id,
    days.product_id,
    days.is_convertible,
    bool_or(days.needs_fx) as needs_fx,
    sum(days.order_count) as order_count,
    sum(days.quantity) as quantity,
    sum(days.net_revenue_usd) as net_revenue_usd
from windows
inner join {{ ref('int_revenue_customer_product_days') }} as days
    on days.day between windows.window_start and windows.window_end
group by all

-- Per bridge period p (int_revenue_bridge_periods) and customer active in p or in one of its
-- comparison windows b: whether it is in A(p), in A(b) for b = p−1 ('previous') and for
-- b = p−1y ('year_ago'), and its net revenue (USD) in each. The b window of a complete p is the
-- whole comparison period (its row in int_revenue_by_customer_period); of the incomplete p, its
-- to-date window (int_revenue_to_date_windows). One row per customer and period, for both
-- comparisons at once: the customer side of the revenue bridge, aggregated (spills to disk at
-- any size) instead of joined.
-- Each side joins int_revenue_by_customer_period itself, not a CTE read three times: DuckDB
-- materialises such a CTE whole (3.5 M rows at scale 100) before the join filters it.
-- Incremental by bridge period (macros/incremental_facts.sql, bridge_period_reopened): a night
-- builds again the periods whose own, previous or year-ago rows changed.
{{ incremental_by_bridge_period(['orders', 'order_lines']) }}

with periods as (
    select * from {{ ref('int_revenue_bridge_periods') }} as periods
    {{ only_missing_periods('periods.grain', 'periods.period_start') }}
),

sides as (
    select
        periods.grain,
        periods.period_start,
        active.customer_id,
        'p' as side,
        active.net_revenue_usd as revenue
    from periods
    inner join {{ ref('int_revenue_by_customer_period') }} as active
        on
            periods.grain = active.grain
            and periods.period_start = active.period_start
    union all
    select
        periods.grain,
        periods.period_start,
        active.customer_id,
        'previous' as side,
        active.net_revenue_usd as revenue
    from periods
    inner join {{ ref('int_revenue_by_customer_period') }} as active
        on
            periods.grain = active.grain
            and periods.previous_start = active.period_start
    where periods.is_complete
    union all
    select
        periods.grain,
        periods.period_start,
        active.customer_id,
        'year_ago' as side,
        active.net_revenue_usd as revenue
    from periods
    inner join {{ ref('int_revenue_by_customer_period') }} as active
        on
            periods.grain = active.grain
            and periods.year_ago_start = active.period_start
    where periods.is_complete
    union all
    select
        periods.grain,
        periods.period_start,
        to_date_windows.customer_id,
        to_date_windows.comparison as side,
        to_date_windows.net_revenue_usd as revenue
    from periods
    inner join {{ ref('int_revenue_to_date_windows') }} as to_date_windows
        on
            periods.grain = to_date_windows.grain
            and periods.period_start = to_date_windows.period_start
    where not periods.is_complete
)

select
    grain,
    period_start,
    customer_id,
    bool_or(side = 'p') as in_p,
    bool_or(side = 'previous') as in_previous,
    bool_or(side = 'year_ago') as in_year_ago,
    coalesce(sum(revenue) filter (where side = 'p'), 0) as revenue_p,
    coalesce(sum(revenue) filter (where side = 'previous'), 0) as revenue_previous,
    coalesce(sum(revenue) filter (where side = 'year_ago'), 0) as revenue_year_ago
from sides
group by grain, period_start, customer_id
{{ in_key_order('grain, period_start') }}

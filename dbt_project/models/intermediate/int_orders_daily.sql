-- Per order day (UTC date of order_ts, up to the as-of date): the completed orders and their net
-- revenue in USD. An order whose amount cannot be converted is left out of the revenue and of
-- the order count divided into it, and counted as unconvertible (kpis.md, Money).
-- Incremental by day (macros/incremental_facts.sql, incremental_by_day): a night builds again
-- the days whose orders or lines changed, the days on or after a changed fx rate, and the days
-- the as-of date's move brings into or out of view.
{{ incremental_by_day() }}

select
    order_date as day,
    count(*) filter (where is_completed) as completed_orders,
    count(*) filter (where is_completed and is_convertible) as convertible_orders,
    count(*) filter (where is_completed and not is_convertible) as unconvertible_orders,
    coalesce(sum(net_revenue_usd) filter (where is_completed and is_convertible), 0) as revenue_usd,
    coalesce(bool_or(needs_fx) filter (where is_completed), false) as fx_needed
from {{ ref('fct_orders') }}
where order_date <= {{ as_of() }} and {{ days_to_build('order_date') }}
group by order_date
{{ in_key_order('day') }}

-- conversion_rate: sessions started in p whose order_id is a completed order ÷ sessions
-- started in p. Orders come as of the as-of date, so an order_id pointing to a later order (or
-- to an order that is cancelled or returned) converts nothing. No money involved.
with web_sessions as (
    select * from {{ ref('stg_marketing__web_sessions') }}
),

completed_orders as (
    select order_id from {{ ref('stg_sales__orders') }}
    where status = 'completed'
),

periods as (
    {{ kpi_periods('ratio') }}
),

counted as (
    select
        periods.grain,
        periods.period_start,
        count(web_sessions.session_id) filter (where completed_orders.order_id is not null) as converted_sessions,
        count(web_sessions.session_id) as all_sessions
    from periods
    left join web_sessions
        on web_sessions.event_date between periods.period_start and periods.measure_date
    left join completed_orders on web_sessions.order_id = completed_orders.order_id
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('converted_sessions', 'all_sessions') }} as value,
    cast(converted_sessions as double) as numerator,
    cast(all_sessions as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from counted

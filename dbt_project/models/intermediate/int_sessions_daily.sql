-- Per session day (UTC date of started_at, up to the as-of date): the sessions, and those whose
-- order_id is a completed order as of the as-of date (an order_id pointing to a later order, or
-- to a cancelled or returned one, converts nothing). No money involved.
with sessions as (
    select
        session_date,
        order_id
    from {{ ref('fct_web_sessions') }}
    where session_date <= {{ as_of() }}
),

completed_orders as (
    select order_id
    from {{ ref('stg_sales__orders') }}
    where status = 'completed' and event_date <= {{ as_of() }}
)

select
    sessions.session_date as day,
    count(*) as sessions,
    count(completed_orders.order_id) as converted_sessions
from sessions
left join completed_orders on sessions.order_id = completed_orders.order_id
group by sessions.session_date

-- One row per web session started up to the as-of date: its visitor, traffic source and
-- campaign, and whether it converted (its order_id is a completed order as of the as-of date).
select
    sessions.session_id,
    sessions.visitor_id,
    sessions.session_date,
    coalesce(sessions.source, 'unknown') as source,
    nullif(sessions.campaign_id, '') as campaign_id,
    case when orders.order_id is not null then 1 else 0 end as converted
from {{ ref('fct_web_sessions') }} as sessions
left join (
    select order_id from {{ ref('stg_sales__orders') }}
    where status = 'completed' and event_date <= {{ as_of() }}
) as orders on sessions.order_id = orders.order_id
where sessions.session_date <= {{ as_of() }}

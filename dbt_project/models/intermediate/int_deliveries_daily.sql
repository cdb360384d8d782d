-- Per delivery day (UTC date of delivered_at, up to the as-of date; a delivered_at after it has
-- not happened yet): shipments delivered, and of them those delivered on or before their
-- promised_date.
select
    delivered_date as day,
    count(*) as delivered_shipments,
    count(*) filter (where is_on_time) as on_time_shipments
from {{ ref('fct_shipments') }}
where shipped_date <= {{ as_of() }} and delivered_date <= {{ as_of() }}
group by delivered_date

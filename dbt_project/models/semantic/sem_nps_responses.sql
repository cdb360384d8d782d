-- One row per NPS response up to the as-of date: promoter (9-10) and detractor (0-6) flags.
select
    response_id,
    customer_id,
    event_date as responded_date,
    case when score >= 9 then 1 when score <= 6 then -1 else 0 end as net_promoter
from {{ ref('stg_customer__nps_responses') }}
where event_date <= {{ as_of() }}

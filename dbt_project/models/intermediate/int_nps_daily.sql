-- Per response day (UTC date of responded_at, up to the as-of date): responses, promoters (9-10),
-- detractors (0-6) and their difference.
select
    event_date as day,
    count(*) as responses,
    count(*) filter (where score >= 9) as promoters,
    count(*) filter (where score <= 6) as detractors,
    count(*) filter (where score >= 9) - count(*) filter (where score <= 6) as net_promoters
from {{ ref('stg_customer__nps_responses') }}
where event_date <= {{ as_of() }}
group by event_date

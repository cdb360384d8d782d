-- Per metric day (up to the as-of date): Σ engagements and Σ impressions over every platform.
select
    metric_date as day,
    sum(engagements) as engagements,
    sum(impressions) as impressions
from {{ ref('stg_marketing__social_metrics') }}
where metric_date <= {{ as_of() }}
group by metric_date

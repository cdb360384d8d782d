-- One row per platform and day up to the as-of date: engagements and impressions.
select
    {{ concat_key(['platform', 'metric_date']) }} as social_metric_id,
    metric_date,
    platform,
    engagements,
    impressions
from {{ ref('stg_marketing__social_metrics') }}
where metric_date <= {{ as_of() }}

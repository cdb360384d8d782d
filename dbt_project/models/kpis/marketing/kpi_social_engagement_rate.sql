-- social_engagement_rate: Σ engagements ÷ Σ impressions of the social_metrics rows with
-- metric_date in p (all platforms together).
with social as (
    select * from {{ ref('stg_marketing__social_metrics') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

summed as (
    select
        periods.grain,
        periods.period_start,
        coalesce(sum(social.engagements), 0) as engagements,
        coalesce(sum(social.impressions), 0) as impressions
    from periods
    left join social
        on social.metric_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('engagements', 'impressions') }} as value,
    cast(engagements as double) as numerator,
    cast(impressions as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from summed

-- Followers on every measurement day of the stock grains, per platform: the platform's latest
-- followers figure on or before the day (kpis.md, social_followers). Every day × platform has
-- a row (0 before its first figure).
with days as (
    select measure_date from {{ stock_measure_days('social_followers') }} as d
),

social as (
    select
        platform,
        metric_date,
        followers
    from {{ ref('stg_marketing__social_metrics') }}
),

latest as (
    select
        days.measure_date,
        social.platform,
        max(social.metric_date) as metric_date
    from days
    inner join social on social.metric_date <= days.measure_date
    group by days.measure_date, social.platform
),

platforms as (
    select distinct platform from social
)

select
    {{ concat_key(['days.measure_date', 'platforms.platform']) }} as snapshot_id,
    days.measure_date,
    platforms.platform,
    coalesce(social.followers, 0) as followers
from days
cross join platforms
left join latest on days.measure_date = latest.measure_date and platforms.platform = latest.platform
left join social on latest.platform = social.platform and latest.metric_date = social.metric_date

-- social_followers: Σ over platforms of followers on that platform's latest metric_date on or
-- before the measurement day of p (a platform that skipped days keeps its last value). Stock.
with social as (
    select * from {{ ref('stg_marketing__social_metrics') }}
),

periods as (
    {{ kpi_periods('stock') }}
),

latest as (
    select
        periods.grain,
        periods.period_start,
        social.platform,
        social.followers
    from periods
    inner join social on periods.measure_date >= social.metric_date
    qualify row_number() over (
        partition by periods.grain, periods.period_start, social.platform
        order by social.metric_date desc
    ) = 1
)

select
    periods.grain,
    periods.period_start,
    coalesce(sum(latest.followers), 0) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from periods
left join latest on periods.grain = latest.grain and periods.period_start = latest.period_start
group by periods.grain, periods.period_start

-- sessions: web sessions started in p (UTC date of started_at). Flow.
with web_sessions as (
    select * from {{ ref('stg_marketing__web_sessions') }}
),

periods as (
    {{ kpi_periods('flow') }}
)

select
    periods.grain,
    periods.period_start,
    count(web_sessions.session_id) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from periods
left join web_sessions
    on web_sessions.event_date between periods.period_start and periods.measure_date
group by periods.grain, periods.period_start

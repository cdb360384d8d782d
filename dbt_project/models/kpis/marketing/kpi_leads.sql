-- leads: leads created in p (UTC date of created_at). Flow.
with leads as (
    select * from {{ ref('stg_marketing__leads') }}
),

periods as (
    {{ kpi_periods('flow') }}
)

select
    periods.grain,
    periods.period_start,
    count(leads.lead_id) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from periods
left join leads
    on leads.event_date between periods.period_start and periods.measure_date
group by periods.grain, periods.period_start

-- nps: 100 × (promoters − detractors) ÷ responses, over the NPS responses with responded_at in p.
-- Promoters score 9–10, detractors 0–6. Published numerator = promoters − detractors,
-- denominator = responses (value = 100 × numerator ÷ denominator).
with responses as (
    select
        event_date,
        score
    from {{ ref('stg_customer__nps_responses') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

counted as (
    select
        periods.grain,
        periods.period_start,
        count(responses.score) filter (where responses.score >= 9)
        - count(responses.score) filter (where responses.score <= 6) as net_promoters,
        count(responses.score) as responded
    from periods
    left join responses
        on responses.event_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    100 * {{ safe_divide('net_promoters', 'responded') }} as value,
    cast(net_promoters as double) as numerator,
    cast(responded as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from counted

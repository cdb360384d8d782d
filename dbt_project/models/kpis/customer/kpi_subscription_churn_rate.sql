-- subscription_churn_rate: customers with MRR > 0 on the last day of p−1 and MRR = 0 on p's
-- measurement day ÷ customers with MRR > 0 on the last day of p−1 (a stock comparison: the
-- full previous period's last day, never to-date). "MRR > 0" needs no conversion, so no fx.
with paying as (
    select * from {{ ref('int_paying_customers_by_period') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

previous_paying as (
    select
        periods.grain,
        periods.period_start,
        previous_paying.customer_id,
        current_paying.customer_id is null as has_churned
    from periods
    inner join paying as previous_paying
        on
            periods.grain = previous_paying.grain
            and periods.previous_start = previous_paying.period_start
    left join paying as current_paying
        on
            periods.grain = current_paying.grain
            and periods.period_start = current_paying.period_start
            and previous_paying.customer_id = current_paying.customer_id
),

counted as (
    select
        periods.grain,
        periods.period_start,
        count(previous_paying.customer_id) filter (where previous_paying.has_churned) as churned,
        count(previous_paying.customer_id) as previously_paying
    from periods
    left join previous_paying
        on
            periods.grain = previous_paying.grain
            and periods.period_start = previous_paying.period_start
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('churned', 'previously_paying') }} as value,
    cast(churned as double) as numerator,
    cast(previously_paying as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from counted

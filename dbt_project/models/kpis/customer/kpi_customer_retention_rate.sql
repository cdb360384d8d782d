-- customer_retention_rate: |A(p−1) ∩ A(p)| ÷ |A(p−1)|. A(p−1) is the full previous period (a
-- customer-set comparison, never to-date); A(p) of an incomplete p runs to the as-of date.
-- Counts that need no money: unconvertible orders still make a customer active.
-- The period spine is read where it is joined, not through one CTE (macros/periods.sql, kpi_periods).
with active as (
    select * from {{ ref('int_active_customers_by_period') }}
),

previous_customers as (
    select
        periods.grain,
        periods.period_start,
        previous_active.customer_id,
        current_active.customer_id is not null as is_retained
    from ({{ kpi_periods('ratio') }}) as periods
    inner join active as previous_active
        on
            periods.grain = previous_active.grain
            and periods.previous_start = previous_active.period_start
    left join active as current_active
        on
            periods.grain = current_active.grain
            and periods.period_start = current_active.period_start
            and previous_active.customer_id = current_active.customer_id
),

counted as (
    select
        periods.grain,
        periods.period_start,
        count(previous_customers.customer_id) filter (where previous_customers.is_retained) as retained,
        count(previous_customers.customer_id) as previous_active
    from ({{ kpi_periods('ratio') }}) as periods
    left join previous_customers
        on
            periods.grain = previous_customers.grain
            and periods.period_start = previous_customers.period_start
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('retained', 'previous_active') }} as value,
    cast(retained as double) as numerator,
    cast(previous_active as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from counted

-- customer_lifetime_value at the measurement day e of p (its last day, or the as-of date):
--   W1 = the 365 days ending at e ([e − 364, e]); W0 = the 365 days before W1 ([e − 729, e − 365]).
--   gp = Σ (net revenue − COGS) of completed orders in W1 ÷ |A(W1)|   (USD per active customer)
--   r  = |A(W0) ∩ A(W1)| ÷ |A(W0)|                                    (365-day retention)
--   value = gp ÷ (1 − r); NULL when r = 1, A(W0) is empty, or gp has no customer to divide by.
-- Published numerator = gp, denominator = 1 − r (value = numerator ÷ denominator).
-- An order that cannot be converted is left out of the gross profit and of the |A(W1)| that
-- divides it (a customer counts there only with at least one convertible completed order in
-- W1), but still makes its customer active for r (a count that needs no money).
with customer_days as (
    select * from {{ ref('int_customer_order_days') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

-- each customer-day of the two windows ending at e: a range join of ~50 periods with the
-- customer-days of their last 730 days (bounded by the window, not by the history)
windowed as (
    select
        periods.grain,
        periods.period_start,
        customer_days.customer_id,
        customer_days.day >= periods.measure_date - 364 as in_w1,
        customer_days.has_convertible_order,
        customer_days.needs_fx,
        customer_days.gross_profit_usd,
        customer_days.unconvertible_orders
    from periods
    inner join customer_days
        on customer_days.day between periods.measure_date - 729 and periods.measure_date
),

customers as (
    select
        grain,
        period_start,
        customer_id,
        bool_or(not in_w1) as in_w0,
        bool_or(in_w1) as in_w1,
        bool_or(in_w1 and has_convertible_order) as in_w1_convertible
    from windowed
    group by grain, period_start, customer_id
),

customer_counts as (
    select
        grain,
        period_start,
        count(*) filter (where in_w0) as w0_customers,
        count(*) filter (where in_w0 and in_w1) as retained_customers,
        count(*) filter (where in_w1_convertible) as w1_convertible_customers
    from customers
    group by grain, period_start
),

order_sums as (
    select
        grain,
        period_start,
        coalesce(sum(gross_profit_usd) filter (where in_w1), 0) as gross_profit_usd,
        coalesce(bool_or(needs_fx) filter (where in_w1), false) as fx_needed,
        coalesce(sum(unconvertible_orders) filter (where in_w1), 0) as unconvertible_count
    from windowed
    group by grain, period_start
),

assembled as (
    select
        periods.grain,
        periods.period_start,
        {{ safe_divide('order_sums.gross_profit_usd', 'customer_counts.w1_convertible_customers') }}
            as gross_profit_per_customer,
        -- 1 − r, exactly 0 when every W0 customer came back; NULL when A(W0) is empty
        {{ safe_divide('customer_counts.w0_customers - customer_counts.retained_customers',
                       'customer_counts.w0_customers') }} as churn_share,
        coalesce(order_sums.fx_needed, false) as fx_needed,
        coalesce(order_sums.unconvertible_count, 0) as unconvertible_count
    from periods
    left join customer_counts
        on
            periods.grain = customer_counts.grain
            and periods.period_start = customer_counts.period_start
    left join order_sums
        on
            periods.grain = order_sums.grain
            and periods.period_start = order_sums.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('gross_profit_per_customer', 'churn_share') }} as value,
    gross_profit_per_customer as numerator,
    churn_share as denominator,
    fx_needed,
    unconvertible_count
from assembled

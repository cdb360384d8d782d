-- customer_lifetime_value at the measurement day e of p (its last day, or the as-of date):
--   W1 = the 365 days ending at e ([e − 364, e]); W0 = the 365 days before W1 ([e − 729, e − 365]).
--   gp = Σ (net revenue − COGS) of completed orders in W1 ÷ |A(W1)|   (USD per active customer)
--   r  = |A(W0) ∩ A(W1)| ÷ |A(W0)|                                    (365-day retention)
--   value = gp ÷ (1 − r); NULL when r = 1, A(W0) is empty, or gp has no customer to divide by.
-- Published numerator = gp, denominator = 1 − r (value = numerator ÷ denominator).
-- An order that cannot be converted is left out of the gross profit and of the |A(W1)| that
-- divides it (a customer counts there only with at least one convertible completed order in
-- W1), but still makes its customer active for r (a count that needs no money).
-- Distinct customers of a window are counted without grouping by customer: each customer-day
-- knows its customer's previous and next order day (int_customer_order_links), so a customer is
-- counted in a window exactly at its first order day there (previous day before the window),
-- and retained exactly at its last order day of W0 when its next order day falls in W1 (a next
-- day after the as-of date falls in no window, as none).
-- The period spine is read where it is joined, not through one CTE (macros/periods.sql, kpi_periods).
with customer_days as (
    select
        customer_id,
        day,
        has_convertible_order,
        needs_fx,
        gross_profit_usd,
        unconvertible_orders,
        next_day,
        previous_convertible_day
    from {{ ref('int_customer_order_links') }}
    where day <= {{ as_of() }}
),

-- each customer-day of the two windows ending at e, counted straight into its period: a range
-- join of ~50 periods with the customer-days of their last 730 days
counts as (
    select
        periods.grain,
        periods.period_start,
        -- |A(W0)|: last order day of a customer in W0
        count(*) filter (
            where customer_days.day <= periods.measure_date - 365
            and (customer_days.next_day is null or customer_days.next_day > periods.measure_date - 365)
        ) as w0_customers,
        -- |A(W0) ∩ A(W1)|: that last W0 day is followed by an order day in W1
        count(*) filter (
            where customer_days.day <= periods.measure_date - 365
            and customer_days.next_day > periods.measure_date - 365
            and customer_days.next_day <= periods.measure_date
        ) as retained_customers,
        -- customers with a convertible order in W1: their first such day in W1
        count(*) filter (
            where customer_days.day > periods.measure_date - 365
            and customer_days.has_convertible_order
            and (
                customer_days.previous_convertible_day is null
                or customer_days.previous_convertible_day <= periods.measure_date - 365
            )
        ) as w1_convertible_customers,
        coalesce(sum(customer_days.gross_profit_usd) filter (where customer_days.day > periods.measure_date - 365), 0)
            as gross_profit_usd,
        coalesce(bool_or(customer_days.needs_fx) filter (where customer_days.day > periods.measure_date - 365), false)
            as fx_needed,
        coalesce(sum(customer_days.unconvertible_orders) filter (
            where customer_days.day > periods.measure_date - 365
        ), 0) as unconvertible_count
    from ({{ kpi_periods('ratio') }}) as periods
    inner join customer_days
        on customer_days.day between periods.measure_date - 729 and periods.measure_date
    group by periods.grain, periods.period_start
),

assembled as (
    select
        periods.grain,
        periods.period_start,
        {{ safe_divide('counts.gross_profit_usd', 'counts.w1_convertible_customers') }}
            as gross_profit_per_customer,
        -- 1 − r, exactly 0 when every W0 customer came back; NULL when A(W0) is empty
        {{ safe_divide('counts.w0_customers - counts.retained_customers', 'counts.w0_customers') }}
            as churn_share,
        coalesce(counts.fx_needed, false) as fx_needed,
        coalesce(counts.unconvertible_count, 0) as unconvertible_count
    from ({{ kpi_periods('ratio') }}) as periods
    left join counts
        on
            periods.grain = counts.grain
            and periods.period_start = counts.period_start
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

-- kpi.revenue_bridge: revenue(p) − revenue(b) split into new_customers, lost_customers, price
-- and volume (kpis.md, "Revenue bridge"), at month, quarter and year, for b = p−1 ('previous')
-- and b = p−1y ('year_ago'), both to date for an incomplete p. The p side is the period's own
-- window (int_revenue_by_customer_product_period); the b side of a complete p is the window of
-- the comparison period, joined by its period_start, and of the incomplete p its to-date window
-- (int_revenue_to_date_windows).
--
-- A(p), A(b) are the active customers of kpis.md: every customer with a completed order in the
-- window, also when its amount cannot be converted (counts of customers need no money, so such a
-- customer is still new, lost or retained), while that order's revenue and quantity are left out
-- of every money figure and of the price effect. Published from the period of the first order to
-- the as-of period.
with windows as (
    select * from {{ ref('int_revenue_by_customer_product_period') }}
),

to_date_windows as (
    select * from {{ ref('int_revenue_to_date_windows') }}
),

first_day as (
    select coalesce(
        (
            select min_event_date from {{ ref('int_event_date_bounds') }}
            where table_name = 'orders'
        ),
        (select min(min_event_date) from {{ ref('int_event_date_bounds') }})
    ) as first_day
),

comparisons as (
    select comparison from (values ('previous'), ('year_ago')) as c (comparison)
),

periods as (
    select
        periods.grain,
        periods.period_start,
        periods.is_complete,
        comparisons.comparison,
        case when comparisons.comparison = 'previous' then periods.previous_start else periods.year_ago_start end
            as base_start
    from {{ ref('int_periods') }} as periods
    cross join first_day
    cross join comparisons
    where
        periods.grain in ('month', 'quarter', 'year')
        and periods.period_start >= {{ period_start('periods.grain', 'first_day.first_day') }}
),

-- the rows of p and of b, keyed by comparison
sides as (
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        'p' as side,
        windows.customer_id,
        windows.product_id,
        windows.quantity,
        windows.net_revenue_usd
    from periods
    inner join windows
        on
            periods.grain = windows.grain
            and periods.period_start = windows.period_start
    union all
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        'b' as side,
        windows.customer_id,
        windows.product_id,
        windows.quantity,
        windows.net_revenue_usd
    from periods
    inner join windows
        on
            periods.grain = windows.grain
            and periods.base_start = windows.period_start
    where periods.is_complete
    union all
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        'b' as side,
        to_date_windows.customer_id,
        to_date_windows.product_id,
        to_date_windows.quantity,
        to_date_windows.net_revenue_usd
    from periods
    inner join to_date_windows
        on
            periods.grain = to_date_windows.grain
            and periods.period_start = to_date_windows.period_start
            and periods.comparison = to_date_windows.comparison
    where not periods.is_complete
),

customers as (
    select
        grain,
        period_start,
        comparison,
        customer_id,
        bool_or(side = 'p') as in_p,
        bool_or(side = 'b') as in_b,
        coalesce(sum(net_revenue_usd) filter (where side = 'p'), 0) as revenue_p,
        coalesce(sum(net_revenue_usd) filter (where side = 'b'), 0) as revenue_b
    from sides
    group by grain, period_start, comparison, customer_id
),

-- per product over the retained customers R = A(b) ∩ A(p)
retained_products as (
    select
        sides.grain,
        sides.period_start,
        sides.comparison,
        sides.product_id,
        coalesce(sum(sides.quantity) filter (where sides.side = 'p'), 0) as quantity_p,
        coalesce(sum(sides.net_revenue_usd) filter (where sides.side = 'p'), 0) as revenue_p,
        coalesce(sum(sides.quantity) filter (where sides.side = 'b'), 0) as quantity_b,
        coalesce(sum(sides.net_revenue_usd) filter (where sides.side = 'b'), 0) as revenue_b
    from sides
    inner join customers
        on
            sides.grain = customers.grain
            and sides.period_start = customers.period_start
            and sides.comparison = customers.comparison
            and sides.customer_id = customers.customer_id
    where customers.in_p and customers.in_b
    group by sides.grain, sides.period_start, sides.comparison, sides.product_id
),

price as (
    select
        grain,
        period_start,
        comparison,
        sum(quantity_p * (revenue_p / quantity_p - revenue_b / quantity_b)) as price
    from retained_products
    where quantity_p > 0 and quantity_b > 0
    group by grain, period_start, comparison
),

customer_effects as (
    select
        grain,
        period_start,
        comparison,
        sum(revenue_p) filter (where in_p and not in_b) as new_customers,
        -sum(revenue_b) filter (where in_b and not in_p) as lost_customers,
        sum(revenue_p - revenue_b) filter (where in_p and in_b) as retained_change
    from customers
    group by grain, period_start, comparison
),

components as (
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        coalesce(customer_effects.new_customers, 0) as new_customers,
        coalesce(customer_effects.lost_customers, 0) as lost_customers,
        coalesce(price.price, 0) as price,
        coalesce(customer_effects.retained_change, 0) - coalesce(price.price, 0) as volume
    from periods
    left join customer_effects
        on
            periods.grain = customer_effects.grain
            and periods.period_start = customer_effects.period_start
            and periods.comparison = customer_effects.comparison
    left join price
        on
            periods.grain = price.grain
            and periods.period_start = price.period_start
            and periods.comparison = price.comparison
)

select
    grain,
    period_start,
    comparison,
    component,
    cast(amount as double) as amount
from components
unpivot (amount for component in (new_customers, lost_customers, price, volume))

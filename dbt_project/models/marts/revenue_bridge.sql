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
--
-- How it scales: the customer effects come from one row per customer and window (a full outer
-- join of the p and b sides, no grouping of every customer × product row); the price effect
-- sums the customer × product rows of the retained customers straight into their product (a
-- semi-join with the retained customers, then a group of a few rows per product).
with first_day as (
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

-- the customer × product rows of each bridge's p window and b window, keyed by the bridge
p_rows as (
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        windows.customer_id,
        windows.product_id,
        windows.quantity,
        windows.net_revenue_usd
    from periods
    inner join {{ ref('int_revenue_by_customer_product_period') }} as windows
        on
            periods.grain = windows.grain
            and periods.period_start = windows.period_start
),

b_rows as (
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        windows.customer_id,
        windows.product_id,
        windows.quantity,
        windows.net_revenue_usd
    from periods
    inner join {{ ref('int_revenue_by_customer_product_period') }} as windows
        on
            periods.grain = windows.grain
            and periods.base_start = windows.period_start
    where periods.is_complete
    union all
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        to_date_windows.customer_id,
        to_date_windows.product_id,
        to_date_windows.quantity,
        to_date_windows.net_revenue_usd
    from periods
    inner join {{ ref('int_revenue_to_date_windows') }} as to_date_windows
        on
            periods.grain = to_date_windows.grain
            and periods.period_start = to_date_windows.period_start
            and periods.comparison = to_date_windows.comparison
    where not periods.is_complete
),

-- one row per bridge and active customer of each side: A(p) and A(b) with their revenue
p_customers as (
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        active.customer_id,
        active.net_revenue_usd as revenue
    from periods
    inner join {{ ref('int_active_customers_by_period') }} as active
        on
            periods.grain = active.grain
            and periods.period_start = active.period_start
),

b_customers as (
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        active.customer_id,
        active.net_revenue_usd as revenue
    from periods
    inner join {{ ref('int_active_customers_by_period') }} as active
        on
            periods.grain = active.grain
            and periods.base_start = active.period_start
    where periods.is_complete
    union all
    select
        periods.grain,
        periods.period_start,
        periods.comparison,
        to_date_windows.customer_id,
        coalesce(sum(to_date_windows.net_revenue_usd), 0) as revenue
    from periods
    inner join {{ ref('int_revenue_to_date_windows') }} as to_date_windows
        on
            periods.grain = to_date_windows.grain
            and periods.period_start = to_date_windows.period_start
            and periods.comparison = to_date_windows.comparison
    where not periods.is_complete
    group by periods.grain, periods.period_start, periods.comparison, to_date_windows.customer_id
),

customers as (
    select
        coalesce(p_customers.grain, b_customers.grain) as grain,
        coalesce(p_customers.period_start, b_customers.period_start) as period_start,
        coalesce(p_customers.comparison, b_customers.comparison) as comparison,
        coalesce(p_customers.customer_id, b_customers.customer_id) as customer_id,
        p_customers.customer_id is not null as in_p,
        b_customers.customer_id is not null as in_b,
        coalesce(p_customers.revenue, 0) as revenue_p,
        coalesce(b_customers.revenue, 0) as revenue_b
    from p_customers
    full outer join b_customers
        on
            p_customers.grain = b_customers.grain
            and p_customers.period_start = b_customers.period_start
            and p_customers.comparison = b_customers.comparison
            and p_customers.customer_id = b_customers.customer_id
),

retained as (
    select
        grain,
        period_start,
        comparison,
        customer_id
    from customers
    where in_p and in_b
),

-- per product over the retained customers R = A(b) ∩ A(p)
retained_rows as (
    select
        p_rows.grain,
        p_rows.period_start,
        p_rows.comparison,
        'p' as side,
        p_rows.product_id,
        p_rows.quantity,
        p_rows.net_revenue_usd
    from p_rows
    inner join retained
        on
            p_rows.grain = retained.grain
            and p_rows.period_start = retained.period_start
            and p_rows.comparison = retained.comparison
            and p_rows.customer_id = retained.customer_id
    where p_rows.product_id is not null
    union all
    select
        b_rows.grain,
        b_rows.period_start,
        b_rows.comparison,
        'b' as side,
        b_rows.product_id,
        b_rows.quantity,
        b_rows.net_revenue_usd
    from b_rows
    inner join retained
        on
            b_rows.grain = retained.grain
            and b_rows.period_start = retained.period_start
            and b_rows.comparison = retained.comparison
            and b_rows.customer_id = retained.customer_id
    where b_rows.product_id is not null
),

retained_products as (
    select
        grain,
        period_start,
        comparison,
        product_id,
        coalesce(sum(quantity) filter (where side = 'p'), 0) as quantity_p,
        coalesce(sum(net_revenue_usd) filter (where side = 'p'), 0) as revenue_p,
        coalesce(sum(quantity) filter (where side = 'b'), 0) as quantity_b,
        coalesce(sum(net_revenue_usd) filter (where side = 'b'), 0) as revenue_b
    from retained_rows
    group by grain, period_start, comparison, product_id
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

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
-- The price effect of a product, q_p × (r_p/q_p − r_b/q_b), is computed as r_p − q_p·r_b/q_b:
-- its one division is rounded to 9 decimals per product before the exact decimal sum, so a
-- parallel sum cannot change a last bit from one run to the next.
--
-- How it scales: the customer side is one aggregated row per customer and period for both
-- comparisons (int_revenue_bridge_customers); the price effect sums the customer × product rows
-- of the retained customers straight into their product, one pass per side.
--
-- Incremental by bridge period, like int_revenue_bridge_customers.
{{ incremental_by_bridge_period(['orders', 'order_lines']) }}

with periods as (
    select * from {{ ref('int_revenue_bridge_periods') }} as periods
    {{ only_missing_periods('periods.grain', 'periods.period_start') }}
),

comparisons as (
    select comparison from (values ('previous'), ('year_ago')) as c (comparison)
),

customers as (
    select customers.*
    from {{ ref('int_revenue_bridge_customers') }} as customers
    inner join periods on customers.grain = periods.grain and customers.period_start = periods.period_start
),

customer_effects as (
    select
        grain,
        period_start,
        'previous' as comparison,
        sum(revenue_p) filter (where in_p and not in_previous) as new_customers,
        -sum(revenue_previous) filter (where in_previous and not in_p) as lost_customers,
        sum(revenue_p - revenue_previous) filter (where in_p and in_previous) as retained_change
    from customers
    group by grain, period_start
    union all
    select
        grain,
        period_start,
        'year_ago' as comparison,
        sum(revenue_p) filter (where in_p and not in_year_ago) as new_customers,
        -sum(revenue_year_ago) filter (where in_year_ago and not in_p) as lost_customers,
        sum(revenue_p - revenue_year_ago) filter (where in_p and in_year_ago) as retained_change
    from customers
    group by grain, period_start
),

-- each complete p with the start of its comparison period b, per comparison (an equi-join key)
compared as (
    select
        periods.grain,
        periods.period_start,
        comparisons.comparison,
        case when comparisons.comparison = 'previous' then periods.previous_start else periods.year_ago_start end
            as comparison_start
    from periods
    cross join comparisons
    where periods.is_complete
),

-- R = A(b) ∩ A(p), for either comparison
retained as (
    select
        grain,
        period_start,
        customer_id,
        in_previous,
        in_year_ago
    from customers
    where in_p and (in_previous or in_year_ago)
),

-- the product rows of the retained customers: of p, of a complete p's comparison period, and
-- of the incomplete p's to-date windows
retained_rows as (
    select
        windows.grain,
        windows.period_start,
        windows.product_id,
        'p' as side,
        retained.in_previous,
        retained.in_year_ago,
        windows.quantity,
        windows.net_revenue_usd
    from {{ ref('int_revenue_by_customer_product_period') }} as windows
    inner join retained
        on
            windows.grain = retained.grain
            and windows.period_start = retained.period_start
            and windows.customer_id = retained.customer_id
    where windows.product_id is not null
    union all
    select
        compared.grain,
        compared.period_start,
        windows.product_id,
        compared.comparison as side,
        retained.in_previous,
        retained.in_year_ago,
        windows.quantity,
        windows.net_revenue_usd
    from compared
    inner join {{ ref('int_revenue_by_customer_product_period') }} as windows
        on compared.grain = windows.grain and compared.comparison_start = windows.period_start
    inner join retained
        on
            compared.grain = retained.grain
            and compared.period_start = retained.period_start
            and windows.customer_id = retained.customer_id
    where
        windows.product_id is not null
        and case when compared.comparison = 'previous' then retained.in_previous else retained.in_year_ago end
    union all
    select
        to_date_windows.grain,
        to_date_windows.period_start,
        to_date_windows.product_id,
        to_date_windows.comparison as side,
        retained.in_previous,
        retained.in_year_ago,
        to_date_windows.quantity,
        to_date_windows.net_revenue_usd
    from {{ ref('int_revenue_to_date_windows') }} as to_date_windows
    inner join retained
        on
            to_date_windows.grain = retained.grain
            and to_date_windows.period_start = retained.period_start
            and to_date_windows.customer_id = retained.customer_id
    where
        to_date_windows.product_id is not null
        and case
            when to_date_windows.comparison = 'previous' then retained.in_previous else retained.in_year_ago
        end
),

-- per product, Σ quantity and revenue over R on each side
retained_products as (
    select
        grain,
        period_start,
        product_id,
        coalesce(sum(quantity) filter (where side = 'p' and in_previous), 0) as quantity_p_previous,
        coalesce(sum(net_revenue_usd) filter (where side = 'p' and in_previous), 0) as revenue_p_previous,
        coalesce(sum(quantity) filter (where side = 'previous'), 0) as quantity_previous,
        coalesce(sum(net_revenue_usd) filter (where side = 'previous'), 0) as revenue_previous,
        coalesce(sum(quantity) filter (where side = 'p' and in_year_ago), 0) as quantity_p_year_ago,
        coalesce(sum(net_revenue_usd) filter (where side = 'p' and in_year_ago), 0) as revenue_p_year_ago,
        coalesce(sum(quantity) filter (where side = 'year_ago'), 0) as quantity_year_ago,
        coalesce(sum(net_revenue_usd) filter (where side = 'year_ago'), 0) as revenue_year_ago
    from retained_rows
    group by grain, period_start, product_id
),

price as (
    select
        grain,
        period_start,
        'previous' as comparison,
        sum(
            revenue_p_previous
            - cast(quantity_p_previous * revenue_previous / quantity_previous as decimal(38, 9))
        ) as price
    from retained_products
    where quantity_p_previous > 0 and quantity_previous > 0
    group by grain, period_start
    union all
    select
        grain,
        period_start,
        'year_ago' as comparison,
        sum(
            revenue_p_year_ago
            - cast(quantity_p_year_ago * revenue_year_ago / quantity_year_ago as decimal(38, 9))
        ) as price
    from retained_products
    where quantity_p_year_ago > 0 and quantity_year_ago > 0
    group by grain, period_start
),

components as (
    select
        periods.grain,
        periods.period_start,
        comparisons.comparison,
        coalesce(customer_effects.new_customers, 0) as new_customers,
        coalesce(customer_effects.lost_customers, 0) as lost_customers,
        coalesce(price.price, 0) as price,
        coalesce(customer_effects.retained_change, 0) - coalesce(price.price, 0) as volume
    from periods
    cross join comparisons
    left join customer_effects
        on
            periods.grain = customer_effects.grain
            and periods.period_start = customer_effects.period_start
            and comparisons.comparison = customer_effects.comparison
    left join price
        on
            periods.grain = price.grain
            and periods.period_start = price.period_start
            and comparisons.comparison = price.comparison
)

select
    grain,
    period_start,
    comparison,
    component,
    cast(amount as double) as amount
from components
unpivot (amount for component in (new_customers, lost_customers, price, volume))
{{ in_key_order('grain, period_start') }}

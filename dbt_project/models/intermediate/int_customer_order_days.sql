-- Per customer and day with a completed order: the net revenue and the gross profit (net
-- revenue − COGS), USD, of its convertible orders, whether any was convertible, and how many
-- were not (kpis.md, Money: those are left out of every money figure, but the customer is still
-- active). The grain of customer_lifetime_value's 365-day windows and of the revenue bridge's
-- customer side. Every landed day, whatever the as-of date (its readers apply it).
-- Incremental: a night re-opens the order dates whose orders or lines changed, every date on or
-- after a changed fx rate (one row per customer-day, so the whole day), and everything when a
-- product changed (its standard cost is the COGS of every order).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_changed_rows(['orders', 'order_lines'], 'day', every_date_tables=['products'], needs_fx_column='true') }}",
    post_hook="{{ record_watermark() }}"
) }}

with orders as (
    select
        orders.customer_id,
        orders.order_date,
        orders.is_convertible,
        orders.needs_fx,
        orders.net_revenue_usd,
        orders.net_revenue_usd - coalesce(costs.cogs_usd, 0) as gross_profit_usd
    from {{ ref('fct_orders') }} as orders
    left join {{ ref('fct_order_costs') }} as costs on orders.order_id = costs.order_id
    where
        orders.is_completed
        {% if is_incremental() -%}
            and {{ changed_rows(['orders', 'order_lines'], 'orders.order_date', every_date_tables=['products'], needs_fx_expr='true') }}
        {%- endif %}
)

select
    customer_id,
    order_date as day,
    coalesce(sum(net_revenue_usd) filter (where is_convertible), 0) as net_revenue_usd,
    coalesce(sum(gross_profit_usd) filter (where is_convertible), 0) as gross_profit_usd,
    bool_or(is_convertible) as has_convertible_order,
    bool_or(needs_fx) as needs_fx,
    count(*) filter (where not is_convertible) as unconvertible_orders
from orders
group by customer_id, order_date
{{ in_key_order('day') }}

-- A(p): one row per grain (month, quarter, year), period and customer with at least one completed
-- order in the period up to its measurement day (kpis.md, "Active customers"): each customer-day
-- gets its period keys by date_trunc (an equi-join, rows not rows × periods). A complete period
-- is the full period, so A(p−1) is the row set at period_start = p's previous_start. A count
-- that needs no money: orders in a currency without a rate still make a customer active. Read
-- from the orders alone, so that its KPIs depend on no other table (int_kpi_inputs).
-- Incremental by period, like int_revenue_by_customer_product_period (a night that only adds
-- days carries the open periods' rows of the customers they touch: a union, not a sum).
{% set frontier = incremental_by_period(['orders'], fx=false, carry={'days': 'stg_sales__orders', 'day': 'event_date', 'key': 'customer_id'}) %}

with customer_days as (
    select distinct
        customer_id,
        event_date as day
    from {{ ref('stg_sales__orders') }}
    where
        status = 'completed'
        and event_date <= {{ as_of() }}
        {{- reopened_days('event_date', ['orders'], fx=false, frontier=frontier) }}
),

days as (
    select
        grains.grain,
        {{ period_start('grains.grain', 'customer_days.day') }} as period_start,
        customer_days.customer_id
    from customer_days
    cross join {{ grains('count') }} as grains
),

period_rows as (
    select
        grain,
        period_start,
        customer_id
    from days
    {{ only_missing_periods('days.grain', 'days.period_start', frontier) }}
    {{- carried_rows(['grain', 'period_start', 'customer_id'], frontier) }}
)

select distinct
    grain,
    period_start,
    customer_id
from period_rows
{{ in_key_order('grain, period_start') }}

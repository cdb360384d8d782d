-- Per customer and day with a completed order (int_customer_order_days, every landed day): its
-- next order day and, on a day with a convertible order, the previous day with one. Each
-- customer-day knows where its customer's neighbouring order days fall, so a 365-day window
-- counts its distinct customers without grouping by customer (customer_lifetime_value). The
-- window functions run once here, not in every KPI build: the KPI reads them as columns.
-- Incremental by customer (macros/incremental_facts.sql, reopen_changed_keys): a changed order
-- date changes the next or previous day of the same customer's other days, so a night builds
-- again every row of each customer with a row on a changed date (new, restated, cancelled,
-- re-converted), before or after, and keeps the others. A next day after the as-of date is the
-- same, for a KPI, as none (its windows end on or before the as-of date), so the rows do not
-- depend on it.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_changed_keys('customer_id', ref('int_customer_order_days'), ['orders', 'order_lines'], 'day', every_date_tables=['products'], needs_fx_column='true') }}",
    post_hook="{{ record_watermark() }}"
) }}

select
    customer_id,
    day,
    has_convertible_order,
    needs_fx,
    gross_profit_usd,
    unconvertible_orders,
    lead(day) over (partition by customer_id order by day) as next_day,
    -- the previous day with a convertible order, on the days that have one
    case
        when has_convertible_order
            then lag(day) over (partition by customer_id, has_convertible_order order by day)
    end as previous_convertible_day
from {{ ref('int_customer_order_days') }}
{{ in_reopened_keys('customer_id') }}
{{ in_key_order('day') }}

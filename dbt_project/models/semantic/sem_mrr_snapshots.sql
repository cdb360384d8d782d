-- MRR on every measurement day of the stock grains (each month's, quarter's and year's last day,
-- and the as-of date), per subscription currency and customer segment, in USD at that day's
-- rates (kpis.md, "MRR of a customer on day d"); an amount without a rate is left out. Every
-- day × member has a row (0 when nothing runs), so MetricFlow's semi-additive "last day of the
-- period" picks the measurement day for every slice.
with days as (
    select measure_date from {{ stock_measure_days('mrr') }} as d
),

subscriptions as (
    select
        subscriptions.*,
        coalesce(customers.segment, 'unknown') as segment
    from {{ ref('stg_sales__subscription_periods') }} as subscriptions
    left join {{ ref('stg_sales__customers') }} as customers on subscriptions.customer_id = customers.customer_id
),

members as (
    select distinct
        currency,
        segment
    from subscriptions
),

running as (
    select
        days.measure_date,
        subscriptions.currency,
        subscriptions.segment,
        {{ to_usd('subscriptions.mrr', 'subscriptions.currency', 'fx.usd_per_unit') }} as mrr_usd
    from days
    inner join subscriptions
        on
            subscriptions.valid_from <= days.measure_date
            and (subscriptions.valid_to is null or days.measure_date < subscriptions.valid_to)
    {{ join_fx_rate('subscriptions.currency', 'days.measure_date') }}
)

select
    {{ concat_key(['days.measure_date', 'members.currency', 'members.segment']) }} as snapshot_id,
    days.measure_date,
    members.currency,
    members.segment,
    coalesce(sum(running.mrr_usd), 0) as mrr_usd
from days
cross join members
left join running
    on
        days.measure_date = running.measure_date
        and members.currency = running.currency
        and members.segment = running.segment
group by days.measure_date, members.currency, members.segment

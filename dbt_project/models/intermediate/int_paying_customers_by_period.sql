-- One row per grain (month, quarter, year), period and customer whose MRR is > 0 on the period's
-- measurement day d (its last day, or the as-of date): at least one subscription period with
-- valid_from ≤ d, (valid_to empty or d < valid_to) and mrr > 0 (kpis.md, "MRR of a customer on
-- day d"). mrr ≥ 0 and every rate is > 0, so "MRR > 0" needs no currency conversion: this model
-- does not read fx_rates, and a subscription in a currency without a rate still counts.
-- A complete period's measurement day is its last day, so "MRR > 0 on the last day of p−1" is
-- the row set at period_start = p's previous_start.
-- Incremental as int_customer_mrr_by_period (incremental_looking_back): a night builds again the
-- periods that end on or after the earliest changed day.
{{ incremental_looking_back() }}

with subscriptions as (
    select
        customer_id,
        valid_from,
        valid_to
    from {{ ref('stg_sales__subscription_periods') }}
    where mrr > 0
),

periods as (
    select * from ({{ kpi_periods('stock') }}) as stock_periods
    where {{ looking_back_periods('stock_periods.grain', 'stock_periods.period_start') }}
)

select distinct
    periods.grain,
    periods.period_start,
    periods.measure_date,
    subscriptions.customer_id
from periods
inner join subscriptions
    on
        periods.measure_date >= subscriptions.valid_from
        and (subscriptions.valid_to is null or periods.measure_date < subscriptions.valid_to)
{{ in_key_order('grain, period_start') }}

-- Per grain (month, quarter, year), period p and customer: the MRR movement inputs of kpis.md.
--   mrr_end           m1: MRR on p's measurement day, at that day's rates
--   mrr_start         m0: MRR on the last day of p−1 (the full previous period), at the rates
--                     of p's measurement day (constant currency)
--   mrr_start_own     MRR on the last day of p−1 at that day's own rates (= the customer's
--                     share of mrr(p−1))
--   had_mrr_before    MRR > 0 on some day before the start of p
-- and the customer's movement (new, reactivation, expansion, contraction, churned, fx), defined
-- here once for the six movement KPIs, net_new_mrr and the MRR bridge.
--
-- Amounts are summed per currency in the subscription's own currency first and converted once,
-- so equal MRR on both days compares equal. An amount that cannot be converted on a day is left
-- out of that day's figure (it is counted in the unconvertible_* columns).
--
-- Incremental (incremental_looking_back): a night builds again the periods that end on or after
-- the earliest day a subscription period, an fx rate or the as-of date changed. A subscription
-- period ended today changes from today on (ingestion records its earlier end, not its start).
{{ incremental_looking_back() }}

with subscriptions as (
    select
        customer_id,
        currency,
        mrr,
        valid_from,
        valid_to
    from {{ ref('stg_sales__subscription_periods') }}
),

periods as (
    select
        grain,
        period_start,
        measure_date,
        previous_end
    from {{ ref('int_periods') }}
    where grain in ('month', 'quarter', 'year') and {{ looking_back_periods('grain', 'period_start') }}
),

-- a subscription period with mrr > 0 runs at least on its valid_from day
first_paying_day as (
    select
        customer_id,
        min(valid_from) as first_paying_day
    from subscriptions
    where mrr > 0
    group by customer_id
),

running_on_either_day as (
    select
        periods.grain,
        periods.period_start,
        periods.measure_date,
        periods.previous_end,
        subscriptions.customer_id,
        subscriptions.currency,
        subscriptions.mrr,
        (subscriptions.valid_to is null or periods.measure_date < subscriptions.valid_to) as is_running_end,
        subscriptions.valid_from <= periods.previous_end as is_running_start
    from periods
    inner join subscriptions
        on
            periods.measure_date >= subscriptions.valid_from
            and (subscriptions.valid_to is null or periods.previous_end < subscriptions.valid_to)
),

running_local as (
    select
        grain,
        period_start,
        measure_date,
        previous_end,
        customer_id,
        currency,
        sum(mrr) filter (where is_running_end) as mrr_end_local,
        count(*) filter (where is_running_end) as items_end,
        sum(mrr) filter (where is_running_start) as mrr_start_local,
        count(*) filter (where is_running_start) as items_start
    from running_on_either_day
    group by grain, period_start, measure_date, previous_end, customer_id, currency
),

converted as (
    select
        running_local.grain,
        running_local.period_start,
        running_local.customer_id,
        running_local.currency <> 'USD' as needs_fx,
        {{ to_usd('running_local.mrr_end_local', 'running_local.currency', 'fx_end.usd_per_unit') }} as mrr_end,
        {{ to_usd('running_local.mrr_start_local', 'running_local.currency', 'fx_end.usd_per_unit') }} as mrr_start,
        {{ to_usd('running_local.mrr_start_local', 'running_local.currency', 'fx_start.usd_per_unit') }}
            as mrr_start_own,
        case when running_local.currency <> 'USD' and fx_end.usd_per_unit is null then running_local.items_end else 0 end
            as unconvertible_end,
        case when running_local.currency <> 'USD' and fx_end.usd_per_unit is null then running_local.items_start else 0 end
            as unconvertible_start,
        case when running_local.currency <> 'USD' and fx_start.usd_per_unit is null then running_local.items_start else 0 end
            as unconvertible_start_own
    from running_local
    {{ join_fx_rate('running_local.currency', 'running_local.measure_date', 'fx_end') }}
    {{ join_fx_rate('running_local.currency', 'running_local.previous_end', 'fx_start') }}
),

customers as (
    select
        converted.grain,
        converted.period_start,
        converted.customer_id,
        coalesce(sum(converted.mrr_end), 0) as mrr_end,
        coalesce(sum(converted.mrr_start), 0) as mrr_start,
        coalesce(sum(converted.mrr_start_own), 0) as mrr_start_own,
        coalesce(first_paying_day.first_paying_day < converted.period_start, false) as had_mrr_before,
        bool_or(converted.needs_fx) as needs_fx,
        sum(converted.unconvertible_end) as unconvertible_end,
        sum(converted.unconvertible_start) as unconvertible_start,
        sum(converted.unconvertible_start_own) as unconvertible_start_own
    from converted
    left join first_paying_day on converted.customer_id = first_paying_day.customer_id
    group by converted.grain, converted.period_start, converted.customer_id, first_paying_day.first_paying_day
)

select
    *,
    case when mrr_start = 0 and mrr_end > 0 and not had_mrr_before then mrr_end else 0 end as new_mrr,
    case when mrr_start = 0 and mrr_end > 0 and had_mrr_before then mrr_end else 0 end as reactivation_mrr,
    case when mrr_start > 0 and mrr_end > mrr_start then mrr_end - mrr_start else 0 end as expansion_mrr,
    case when mrr_end > 0 and mrr_end < mrr_start then mrr_start - mrr_end else 0 end as contraction_mrr,
    case when mrr_start > 0 and mrr_end = 0 then mrr_start else 0 end as churned_mrr,
    mrr_start - mrr_start_own as fx_mrr
from customers
{{ in_key_order('grain, period_start') }}

-- mrr: Σ over customers of MRR on the measurement day of p (its last day, or the as-of date),
-- each subscription period's mrr converted at the measurement day's rate. Stock.
-- The period spine is read where it is joined, not through one CTE (macros/periods.sql, kpi_periods).
with subscriptions as (
    select * from {{ ref('stg_sales__subscription_periods') }}
),

running as (
    select
        periods.grain,
        periods.period_start,
        subscriptions.currency,
        {{ to_usd('subscriptions.mrr', 'subscriptions.currency', 'fx.usd_per_unit') }} as mrr_usd
    from ({{ kpi_periods('stock') }}) as periods
    inner join subscriptions
        on
            subscriptions.valid_from <= periods.measure_date
            and (subscriptions.valid_to is null or periods.measure_date < subscriptions.valid_to)
    {{ join_fx_rate('subscriptions.currency', 'periods.measure_date') }}
)

select
    periods.grain,
    periods.period_start,
    coalesce(sum(running.mrr_usd), 0) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    coalesce(bool_or(running.currency <> 'USD'), false) as fx_needed,
    count(running.currency) filter (where running.mrr_usd is null) as unconvertible_count
from ({{ kpi_periods('stock') }}) as periods
left join running
    on
        periods.grain = running.grain
        and periods.period_start = running.period_start
group by periods.grain, periods.period_start

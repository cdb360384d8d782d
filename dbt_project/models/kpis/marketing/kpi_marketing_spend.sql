-- marketing_spend: Σ amount (USD at the spend_date rate) of the spend rows with spend_date in p.
-- Flow. A row without a rate on or before its spend_date is left out and counted as unconvertible.
with spend as (
    select
        spend.spend_date,
        spend.currency,
        spend.currency <> 'USD' as needs_fx,
        {{ to_usd('spend.amount', 'spend.currency', 'fx.usd_per_unit') }} as amount_usd
    from {{ ref('stg_marketing__marketing_spend') }} as spend
    {{ join_fx_rate('spend.currency', 'spend.spend_date') }}
),

periods as (
    {{ kpi_periods('flow') }}
)

select
    periods.grain,
    periods.period_start,
    coalesce(sum(spend.amount_usd), 0) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    coalesce(bool_or(spend.needs_fx), false) as fx_needed,
    count(spend.spend_date) filter (where spend.amount_usd is null) as unconvertible_count
from periods
left join spend
    on spend.spend_date between periods.period_start and periods.measure_date
group by periods.grain, periods.period_start

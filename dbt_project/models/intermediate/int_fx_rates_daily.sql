-- The USD rate of every non-USD currency on every day from its first rate to the as-of date:
-- the rate of the latest rate_date on or before that day (raw-contract.md, fx_rates). A day
-- before a currency's first rate has no row, so amounts on it cannot be converted.
with rates as (
    select
        currency,
        rate_date,
        usd_per_unit
    from {{ ref('stg_finance__fx_rates') }}
),

currency_days as (
    select
        currency,
        cast(unnest(generate_series(min(rate_date), {{ as_of() }}, interval 1 day)) as date) as rate_day
    from rates
    group by currency
)

select
    currency_days.currency,
    currency_days.rate_day,
    rates.usd_per_unit
from currency_days
asof left join rates
    on
        currency_days.currency = rates.currency
        and currency_days.rate_day >= rates.rate_date

-- The USD rate of every non-USD currency on every day from its first rate on: the rate of the
-- latest rate_date on or before that day (raw-contract.md, fx_rates), as an exact decimal. A day
-- before a currency's first rate has no row, so amounts on it cannot be converted. Not cut at
-- the as-of date: an amount dated on or before the as-of date only ever uses rates dated on or
-- before itself, and the facts converted with this table must not depend on the as-of date.
-- The calendar runs to 2099-12-31 (some 30,000 rows per currency).
with rates as (
    select
        currency,
        rate_date,
        usd_per_unit
    from {{ ref('stg_finance__fx_rates') }}
),

spans as (
    select
        currency,
        rate_date,
        usd_per_unit,
        coalesce(lead(rate_date) over (partition by currency order by rate_date), date '2100-01-01') as next_rate_date
    from rates
)

-- each rate holds from its date up to the next rate of its currency (exclusive)
select
    currency,
    cast(unnest(generate_series(rate_date, next_rate_date - 1, interval 1 day)) as date) as rate_day,
    usd_per_unit
from spans

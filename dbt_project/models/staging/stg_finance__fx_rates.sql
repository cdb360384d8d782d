-- Thin staging of raw.fx_rates: the contract columns, typed for exact sums and the event date.
with source as (
    select * from {{ source('finance', 'fx_rates') }}
),

renamed as (
    select
        rate_date,
        currency,
        -- the rate as an exact decimal (12 places), so converted amounts sum exactly
        cast(usd_per_unit as decimal(18, 12)) as usd_per_unit,
        rate_date as event_date
    from source
)

select * from renamed

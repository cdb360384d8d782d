-- Thin staging of raw.fx_rates: the contract columns, with the as-of rule applied.
with source as (
    select * from {{ source('finance', 'fx_rates') }}
),

renamed as (
    select
        rate_date,
        currency,
        usd_per_unit,
        rate_date as event_date
    from source
)

select * from renamed
where event_date <= {{ as_of() }}

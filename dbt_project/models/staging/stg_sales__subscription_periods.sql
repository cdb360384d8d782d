-- Thin staging of raw.subscription_periods: the contract columns, with the as-of rule applied.
with source as (
    select * from {{ source('sales', 'subscription_periods') }}
),

renamed as (
    select
        subscription_id,
        customer_id,
        plan,
        mrr,
        currency,
        valid_from,
        valid_to,
        valid_from as event_date
    from source
)

select * from renamed
where event_date <= {{ as_of() }}

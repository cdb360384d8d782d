-- Thin staging of raw.subscription_periods: the contract columns and the event date.
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

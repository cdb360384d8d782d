-- Thin staging of raw.nps_responses: the contract columns and the event date.
with source as (
    select * from {{ source('customer', 'nps_responses') }}
),

renamed as (
    select
        response_id,
        customer_id,
        responded_at,
        score,
        cast(responded_at as date) as event_date
    from source
)

select * from renamed

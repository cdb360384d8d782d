-- Thin staging of raw.support_tickets: the contract columns and the event date.
with source as (
    select * from {{ source('customer', 'support_tickets') }}
),

renamed as (
    select
        ticket_id,
        customer_id,
        opened_at,
        resolved_at,
        csat_score,
        cast(opened_at as date) as event_date
    from source
)

select * from renamed

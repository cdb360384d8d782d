-- Thin staging of raw.support_tickets: the contract columns, with the as-of rule applied.
with source as (
    select * from {{ source('customer', 'support_tickets') }}
),

renamed as (
    select
        ticket_id,
        customer_id,
        opened_at,
        -- as-of rule: a resolved_at after the as-of date has not happened yet
        case when cast(resolved_at as date) <= {{ as_of() }} then resolved_at end as resolved_at,
        csat_score,
        cast(opened_at as date) as event_date
    from source
)

select * from renamed
where event_date <= {{ as_of() }}

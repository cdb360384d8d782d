-- Thin staging of raw.shipments: the contract columns, with the as-of rule applied.
with source as (
    select * from {{ source('operations', 'shipments') }}
),

renamed as (
    select
        shipment_id,
        order_id,
        promised_date,
        shipped_at,
        -- as-of rule: a delivered_at after the as-of date has not happened yet
        case when cast(delivered_at as date) <= {{ as_of() }} then delivered_at end as delivered_at,
        cast(shipped_at as date) as event_date
    from source
)

select * from renamed
where event_date <= {{ as_of() }}

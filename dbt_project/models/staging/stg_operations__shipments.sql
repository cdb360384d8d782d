-- Thin staging of raw.shipments: the contract columns and the event date.
with source as (
    select * from {{ source('operations', 'shipments') }}
),

renamed as (
    select
        shipment_id,
        order_id,
        promised_date,
        shipped_at,
        delivered_at,
        cast(shipped_at as date) as event_date
    from source
)

select * from renamed

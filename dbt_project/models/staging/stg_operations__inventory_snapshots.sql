-- Thin staging of raw.inventory_snapshots: the contract columns and the event date.
with source as (
    select * from {{ source('operations', 'inventory_snapshots') }}
),

renamed as (
    select
        snapshot_date,
        warehouse_id,
        product_id,
        on_hand_units,
        snapshot_date as event_date
    from source
)

select * from renamed

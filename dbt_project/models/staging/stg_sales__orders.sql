-- Thin staging of raw.orders: the contract columns and the event date.
with source as (
    select * from {{ source('sales', 'orders') }}
),

renamed as (
    select
        order_id,
        customer_id,
        order_ts,
        channel,
        currency,
        status,
        cast(order_ts as date) as event_date
    from source
)

select * from renamed

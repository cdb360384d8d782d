-- Thin staging of raw.order_lines: the contract columns.
-- Order lines have no event date of their own: they take their order's order_ts.
with source as (
    select * from {{ source('sales', 'order_lines') }}
),

renamed as (
    select
        order_id,
        line_number,
        product_id,
        quantity,
        unit_price,
        discount_amount
    from source
)

select * from renamed

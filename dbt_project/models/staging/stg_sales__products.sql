-- Thin staging of raw.products: the contract columns.
with source as (
    select * from {{ source('sales', 'products') }}
),

renamed as (
    select
        product_id,
        product_name,
        category,
        unit_cost,
        list_price
    from source
)

select * from renamed

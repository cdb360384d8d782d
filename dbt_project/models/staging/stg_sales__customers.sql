-- Thin staging of raw.customers: the contract columns.
with source as (
    select * from {{ source('sales', 'customers') }}
),

renamed as (
    select
        customer_id,
        signup_date,
        country,
        segment,
        acquisition_channel
    from source
)

select * from renamed

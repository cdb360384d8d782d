-- Thin staging of raw.accounts: the contract columns.
with source as (
    select * from {{ source('finance', 'accounts') }}
),

renamed as (
    select
        account_code,
        account_name,
        account_type
    from source
)

select * from renamed

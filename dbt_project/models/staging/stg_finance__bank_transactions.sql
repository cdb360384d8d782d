-- Thin staging of raw.bank_transactions: the contract columns and the event date.
with source as (
    select * from {{ source('finance', 'bank_transactions') }}
),

renamed as (
    select
        transaction_id,
        booked_on,
        amount,
        currency,
        category,
        booked_on as event_date
    from source
)

select * from renamed

-- Thin staging of raw.gl_entries: the contract columns and the event date.
with source as (
    select * from {{ source('finance', 'gl_entries') }}
),

renamed as (
    select
        entry_id,
        posting_date,
        account_code,
        amount,
        currency,
        posting_date as event_date
    from source
)

select * from renamed

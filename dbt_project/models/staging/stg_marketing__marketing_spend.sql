-- Thin staging of raw.marketing_spend: the contract columns and the event date.
with source as (
    select * from {{ source('marketing', 'marketing_spend') }}
),

renamed as (
    select
        campaign_id,
        spend_date,
        amount,
        currency,
        spend_date as event_date
    from source
)

select * from renamed

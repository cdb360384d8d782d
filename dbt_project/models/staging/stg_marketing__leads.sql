-- Thin staging of raw.leads: the contract columns and the event date.
with source as (
    select * from {{ source('marketing', 'leads') }}
),

renamed as (
    select
        lead_id,
        created_at,
        source,
        campaign_id,
        mql_at,
        sql_at,
        customer_id,
        cast(created_at as date) as event_date
    from source
)

select * from renamed

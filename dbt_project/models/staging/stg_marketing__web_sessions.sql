-- Thin staging of raw.web_sessions: the contract columns and the event date.
with source as (
    select * from {{ source('marketing', 'web_sessions') }}
),

renamed as (
    select
        session_id,
        visitor_id,
        started_at,
        source,
        campaign_id,
        pageviews,
        order_id,
        cast(started_at as date) as event_date
    from source
)

select * from renamed

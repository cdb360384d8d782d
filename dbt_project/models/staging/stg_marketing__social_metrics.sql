-- Thin staging of raw.social_metrics: the contract columns and the event date.
with source as (
    select * from {{ source('marketing', 'social_metrics') }}
),

renamed as (
    select
        metric_date,
        platform,
        followers,
        impressions,
        engagements,
        metric_date as event_date
    from source
)

select * from renamed

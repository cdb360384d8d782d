-- Thin staging of raw.campaigns: the contract columns.
with source as (
    select * from {{ source('marketing', 'campaigns') }}
),

renamed as (
    select
        campaign_id,
        campaign_name,
        channel,
        start_date,
        end_date
    from source
)

select * from renamed

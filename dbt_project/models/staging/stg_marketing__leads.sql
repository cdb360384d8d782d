-- Thin staging of raw.leads: the contract columns, with the as-of rule applied.
with source as (
    select * from {{ source('marketing', 'leads') }}
),

renamed as (
    select
        lead_id,
        created_at,
        source,
        campaign_id,
        -- as-of rule: a mql_at after the as-of date has not happened yet
        case when cast(mql_at as date) <= {{ as_of() }} then mql_at end as mql_at,
        -- as-of rule: a sql_at after the as-of date has not happened yet
        case when cast(sql_at as date) <= {{ as_of() }} then sql_at end as sql_at,
        customer_id,
        cast(created_at as date) as event_date
    from source
)

select * from renamed
where event_date <= {{ as_of() }}

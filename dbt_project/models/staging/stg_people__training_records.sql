-- Thin staging of raw.training_records: the contract columns, with the as-of rule applied.
with source as (
    select * from {{ source('people', 'training_records') }}
),

renamed as (
    select
        record_id,
        employee_id,
        completed_on,
        hours,
        completed_on as event_date
    from source
)

select * from renamed
where event_date <= {{ as_of() }}

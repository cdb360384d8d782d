-- Thin staging of raw.training_records: the contract columns, typed for exact sums and the event date.
with source as (
    select * from {{ source('people', 'training_records') }}
),

renamed as (
    select
        record_id,
        employee_id,
        completed_on,
        -- summed exactly: a decimal, not a float
        cast(hours as decimal(38, 10)) as hours,
        completed_on as event_date
    from source
)

select * from renamed

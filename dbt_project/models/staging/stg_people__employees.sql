-- Thin staging of raw.employees: the contract columns and the event date.
with source as (
    select * from {{ source('people', 'employees') }}
),

renamed as (
    select
        employee_id,
        department,
        hired_on,
        terminated_on,
        hired_on as event_date
    from source
)

select * from renamed

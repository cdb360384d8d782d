-- Thin staging of raw.employees: the contract columns, with the as-of rule applied.
with source as (
    select * from {{ source('people', 'employees') }}
),

renamed as (
    select
        employee_id,
        department,
        hired_on,
        -- as-of rule: a terminated_on after the as-of date has not happened yet
        case when cast(terminated_on as date) <= {{ as_of() }} then terminated_on end as terminated_on,
        hired_on as event_date
    from source
)

select * from renamed
where event_date <= {{ as_of() }}

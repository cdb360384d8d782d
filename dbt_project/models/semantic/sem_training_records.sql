-- One row per training record completed up to the as-of date: its hours and the department of
-- the employee who completed it.
select
    records.record_id,
    records.completed_on,
    records.hours,
    coalesce(employees.department, 'unknown') as department
from {{ ref('stg_people__training_records') }} as records
left join {{ ref('stg_people__employees') }} as employees on records.employee_id = employees.employee_id
where records.completed_on <= {{ as_of() }}

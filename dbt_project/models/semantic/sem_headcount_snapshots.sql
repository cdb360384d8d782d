-- Headcount on every measurement day of the stock grains, per department: employees with
-- hired_on ≤ d and (terminated_on empty or > d) (kpis.md, headcount). Every day × department
-- has a row (0 when nobody is employed).
with days as (
    select measure_date from {{ stock_measure_days('headcount') }} as d
),

employees as (
    select
        employee_id,
        coalesce(department, 'unknown') as department,
        hired_on,
        terminated_on
    from {{ ref('stg_people__employees') }}
),

departments as (
    select distinct department from employees
)

select
    {{ concat_key(['days.measure_date', 'departments.department']) }} as snapshot_id,
    days.measure_date,
    departments.department,
    count(employees.employee_id) as headcount
from days
cross join departments
left join employees
    on
        departments.department = employees.department
        and employees.hired_on <= days.measure_date
        and (employees.terminated_on is null or employees.terminated_on > days.measure_date)
group by days.measure_date, departments.department

-- Headcount per month, quarter and year period (kpis.md, headcount): employees with
-- hired_on ≤ d and (terminated_on empty or terminated_on > d), measured on p's measurement day
-- (headcount) and on the last day of p−1 (previous_headcount, for employee_turnover_rate).
-- A terminated_on after the as-of date is later than every measurement day, which is the same as
-- "still employed" on any day up to the as-of date.
with employees as (
    select * from {{ ref('stg_people__employees') }}
),

periods as (
    {{ kpi_periods('stock') }}
),

measured as (
    select
        periods.grain,
        periods.period_start,
        count(employees.employee_id) filter (
            where employees.hired_on <= periods.measure_date
            and (employees.terminated_on is null or employees.terminated_on > periods.measure_date)
        ) as headcount,
        count(employees.employee_id) filter (
            where employees.hired_on <= periods.previous_end
            and (employees.terminated_on is null or employees.terminated_on > periods.previous_end)
        ) as previous_headcount
    from periods
    left join employees on periods.measure_date >= employees.hired_on
    group by periods.grain, periods.period_start
)

select * from measured

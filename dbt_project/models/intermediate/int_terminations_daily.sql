-- Per termination day (up to the as-of date; a terminated_on after it has not happened yet):
-- employees who left, of those hired by the as-of date.
select
    terminated_on as day,
    count(*) as leavers
from {{ ref('stg_people__employees') }}
where hired_on <= {{ as_of() }} and terminated_on <= {{ as_of() }}
group by terminated_on

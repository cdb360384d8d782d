-- kpi_values has exactly one row per KPI, grain and period.
select kpi_id, grain, period_start, count(*) as copies
from {{ ref('kpi_values') }}
group by kpi_id, grain, period_start
having count(*) > 1

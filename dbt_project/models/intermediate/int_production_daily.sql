-- Per run day (up to the as-of date): Σ planned, produced and defective units and downtime
-- minutes of the production runs.
select
    run_date as day,
    sum(planned_units) as planned_units,
    sum(produced_units) as produced_units,
    sum(defective_units) as defective_units,
    sum(downtime_minutes) as downtime_minutes
from {{ ref('stg_operations__production_runs') }}
where run_date <= {{ as_of() }}
group by run_date

-- One row per production run up to the as-of date: its plant and units.
select
    run_id,
    run_date,
    plant_id,
    planned_units,
    produced_units,
    defective_units,
    downtime_minutes
from {{ ref('stg_operations__production_runs') }}
where run_date <= {{ as_of() }}

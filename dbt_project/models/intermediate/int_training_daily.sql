-- Per completion day (up to the as-of date): Σ training hours (every record counts, also of
-- someone who left by the measurement day).
select
    completed_on as day,
    sum(hours) as training_hours
from {{ ref('stg_people__training_records') }}
where completed_on <= {{ as_of() }}
group by completed_on

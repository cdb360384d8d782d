-- headcount: employees with hired_on ≤ d and (terminated_on empty or terminated_on > d), d the
-- measurement day of p (int_headcount_by_period). Stock.
with headcount as (
    select * from {{ ref('int_headcount_by_period') }}
)

select
    grain,
    period_start,
    headcount as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from headcount

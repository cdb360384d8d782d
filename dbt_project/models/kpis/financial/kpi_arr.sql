-- arr: 12 × mrr (the MRR on p's measurement day, at that day's rates). Stock.
select
    grain,
    period_start,
    12 * value as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    fx_needed,
    unconvertible_count
from {{ ref('kpi_mrr') }}

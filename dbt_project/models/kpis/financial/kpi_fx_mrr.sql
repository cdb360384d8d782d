-- fx_mrr: mrr(p−1) at the rates of p's measurement day − mrr(p−1) at its own rates
-- (the currency effect on the MRR carried into p).
select
    grain,
    period_start,
    fx_mrr as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    fx_needed,
    unconvertible_start + unconvertible_start_own as unconvertible_count
from {{ ref('int_mrr_movements_by_period') }}

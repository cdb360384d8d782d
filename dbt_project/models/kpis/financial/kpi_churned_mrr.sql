-- churned_mrr: Σ over customers of their churned MRR movement in p, at constant currency (both m0 and
-- m1 at the rates of p's measurement day); see int_customer_mrr_by_period.
select
    grain,
    period_start,
    churned_mrr as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    fx_needed,
    unconvertible_end + unconvertible_start as unconvertible_count
from {{ ref('int_mrr_movements_by_period') }}

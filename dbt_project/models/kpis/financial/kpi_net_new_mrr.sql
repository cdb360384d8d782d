-- net_new_mrr: mrr(p) − mrr(p−1), each at its own measurement day's rates
-- (= new + reactivation + expansion − contraction − churned + fx).
select
    grain,
    period_start,
    mrr_end - mrr_start_own as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    fx_needed,
    unconvertible_end + unconvertible_start_own as unconvertible_count
from {{ ref('int_mrr_movements_by_period') }}

-- revenue_growth: (revenue(p) − revenue(p−1)) ÷ revenue(p−1); p−1 to date for an incomplete p.
select
    grain,
    period_start,
    {{ safe_divide('revenue - base_revenue', 'base_revenue') }} as value,
    revenue - base_revenue as numerator,
    base_revenue as denominator,
    fx_needed,
    unconvertible_count
from {{ ref('int_revenue_comparisons_by_period') }}
where comparison = 'previous'

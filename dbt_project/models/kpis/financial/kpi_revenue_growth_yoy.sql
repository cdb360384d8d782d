-- revenue_growth_yoy: (revenue(p) − revenue(p−1y)) ÷ revenue(p−1y); p−1y to date for an
-- incomplete p. Month, quarter and year only.
select
    grain,
    period_start,
    {{ safe_divide('revenue - base_revenue', 'base_revenue') }} as value,
    revenue - base_revenue as numerator,
    base_revenue as denominator,
    fx_needed,
    unconvertible_count
from {{ ref('int_revenue_comparisons_by_period') }}
where comparison = 'year_ago'

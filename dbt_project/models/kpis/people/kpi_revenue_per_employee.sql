-- revenue_per_employee: revenue(p) (kpi_revenue: Σ net revenue in USD of completed orders in p,
-- unconvertible orders left out) ÷ headcount(p) (headcount on p's measurement day).
with revenue as (
    select * from {{ ref('kpi_revenue') }}
),

headcount as (
    select * from {{ ref('int_headcount_by_period') }}
)

select
    headcount.grain,
    headcount.period_start,
    {{ safe_divide('revenue.value', 'headcount.headcount') }} as value,
    cast(revenue.value as double) as numerator,
    cast(headcount.headcount as double) as denominator,
    revenue.fx_needed,
    revenue.unconvertible_count
from headcount
inner join revenue
    on headcount.grain = revenue.grain and headcount.period_start = revenue.period_start

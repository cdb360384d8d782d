-- revenue_per_employee: revenue(p) (kpi_revenue: Σ net revenue in USD of completed orders in p,
-- unconvertible orders left out) ÷ headcount(p) (headcount on p's measurement day).
{{ kpi_ratio_of('kpi_revenue', 'int_headcount_by_period', denominator_column='headcount') }}

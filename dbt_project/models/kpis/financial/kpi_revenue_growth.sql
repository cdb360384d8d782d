-- revenue_growth: (revenue(p) − revenue(p−1)) ÷ revenue(p−1); p−1 to date for an incomplete p.
{{ kpi_select("(select * from " ~ ref('int_revenue_comparisons_by_period') ~ " where comparison = 'previous')", 'revenue - base_revenue', 'base_revenue', 'fx_needed', 'unconvertible_count') }}

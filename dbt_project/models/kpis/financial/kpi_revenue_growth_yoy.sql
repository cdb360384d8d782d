-- revenue_growth_yoy: (revenue(p) − revenue(p−1y)) ÷ revenue(p−1y); p−1y to date for an
-- incomplete p. Month, quarter and year only.
{{ kpi_select("(select * from " ~ ref('int_revenue_comparisons_by_period') ~ " where comparison = 'year_ago')", 'revenue - base_revenue', 'base_revenue', 'fx_needed', 'unconvertible_count') }}

-- net_margin: net_income ÷ Σ GL amount of revenue accounts in p, both from the GL, in USD.
{{ kpi_ratio(ref('int_gl_daily'), 'net_income_usd', 'gl_revenue_usd', 'fx_needed', 'unconvertible_entries') }}

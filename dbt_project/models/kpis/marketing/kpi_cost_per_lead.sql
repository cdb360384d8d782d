-- cost_per_lead: marketing_spend ÷ leads, both over p (up to its measurement day), built from
-- the two KPIs. Leads carry no money, so every lead counts; unconvertible spend rows are left
-- out of the spend (and reported through marketing_spend's unconvertible_count).
{{ kpi_ratio_of('kpi_marketing_spend', 'kpi_leads') }}

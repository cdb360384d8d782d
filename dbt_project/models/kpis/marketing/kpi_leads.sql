-- leads: leads created in p (UTC date of created_at). Flow.
{{ kpi_flow(ref('int_leads_daily'), 'leads') }}

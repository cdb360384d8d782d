-- site_visitors: distinct visitor_id of the web sessions started in p. Distinct counts do not
-- add up across periods, so month, quarter and year only.
{{ kpi_distinct_count("(select visitor_id, session_date from " ~ ref('fct_web_sessions') ~ " where session_date <= " ~ as_of() ~ ")", 'visitor_id', 'session_date') }}

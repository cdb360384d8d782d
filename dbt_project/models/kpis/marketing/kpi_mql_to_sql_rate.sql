-- mql_to_sql_rate: of the leads with mql_at (UTC date) in p, the share with sql_at not empty.
-- sql_at is judged as of the as-of date (int_leads_daily), not as of p's end: a lead qualified in
-- p and accepted after p but before the as-of date counts.
{{ kpi_ratio(ref('int_leads_daily'), 'sql_leads', 'mql_leads') }}

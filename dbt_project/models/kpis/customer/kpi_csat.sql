-- csat: of the support tickets resolved in p (UTC date of resolved_at) that have a csat_score,
-- the share scoring 4 or 5. A resolved_at after the as-of date reads as empty (not resolved).
{{ kpi_ratio(ref('int_tickets_resolved_daily'), 'satisfied_tickets', 'rated_tickets') }}

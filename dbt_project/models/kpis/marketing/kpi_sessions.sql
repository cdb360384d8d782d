-- sessions: web sessions started in p (UTC date of started_at). Flow.
{{ kpi_flow(ref('int_sessions_daily'), 'sessions') }}

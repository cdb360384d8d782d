-- conversion_rate: sessions started in p whose order_id is a completed order ÷ sessions started
-- in p (int_sessions_daily: orders as of the as-of date). No money involved.
{{ kpi_ratio(ref('int_sessions_daily'), 'converted_sessions', 'sessions') }}

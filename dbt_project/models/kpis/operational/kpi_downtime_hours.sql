-- downtime_hours: Σ downtime_minutes ÷ 60 of the production runs with run_date in p. Flow.
{{ kpi_flow(ref('int_production_daily'), 'downtime_minutes', scale='(1 / 60.0)') }}

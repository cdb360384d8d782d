-- production_output: Σ produced_units of the production runs with run_date in p. Flow.
{{ kpi_flow(ref('int_production_daily'), 'produced_units') }}

-- schedule_attainment: Σ produced_units ÷ Σ planned_units of the production runs with run_date
-- in p (can exceed 1 when production beats the plan).
{{ kpi_ratio(ref('int_production_daily'), 'produced_units', 'planned_units') }}

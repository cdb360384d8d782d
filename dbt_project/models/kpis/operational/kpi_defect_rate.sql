-- defect_rate: Σ defective_units ÷ Σ produced_units of the production runs with run_date in p.
{{ kpi_ratio(ref('int_production_daily'), 'defective_units', 'produced_units') }}

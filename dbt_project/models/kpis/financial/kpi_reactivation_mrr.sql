-- reactivation_mrr: Σ over customers of their reactivation MRR movement in p, at constant currency (both m0 and
-- m1 at the rates of p's measurement day); see int_customer_mrr_by_period.
{{ kpi_from_periods(ref('int_mrr_movements_by_period'), 'reactivation_mrr', fx_needed='fx_needed', unconvertible='unconvertible_end + unconvertible_start') }}

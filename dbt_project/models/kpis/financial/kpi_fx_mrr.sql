-- fx_mrr: mrr(p−1) at the rates of p's measurement day − mrr(p−1) at its own rates
-- (the currency effect on the MRR carried into p).
{{ kpi_from_periods(ref('int_mrr_movements_by_period'), 'fx_mrr', fx_needed='fx_needed', unconvertible='unconvertible_start + unconvertible_start_own') }}

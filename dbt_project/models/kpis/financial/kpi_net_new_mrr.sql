-- net_new_mrr: mrr(p) − mrr(p−1), each at its own measurement day's rates
-- (= new + reactivation + expansion − contraction − churned + fx).
{{ kpi_from_periods(ref('int_mrr_movements_by_period'), 'mrr_end - mrr_start_own', fx_needed='fx_needed', unconvertible='unconvertible_end + unconvertible_start_own') }}

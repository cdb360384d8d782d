-- arr: 12 × mrr (the MRR on p's measurement day, at that day's rates). Stock.
{{ kpi_from_periods(ref('kpi_mrr'), '12 * value', fx_needed='fx_needed', unconvertible='unconvertible_count') }}

-- headcount: employees with hired_on ≤ d and (terminated_on empty or terminated_on > d), d the
-- measurement day of p (int_headcount_by_period). Stock.
{{ kpi_from_periods(ref('int_headcount_by_period'), 'headcount') }}

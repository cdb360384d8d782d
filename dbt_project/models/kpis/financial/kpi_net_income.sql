-- net_income: from the GL, Σ amount of revenue and other_income accounts − Σ amount of cogs,
-- operating_expense, other_expense and tax accounts, posting_date in p, in USD. Flow.
{{ kpi_flow(ref('int_gl_daily'), 'net_income_usd', 'fx_needed', 'unconvertible_entries') }}

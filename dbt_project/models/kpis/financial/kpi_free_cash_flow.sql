-- free_cash_flow: Σ bank amount (positive = cash in) with category operating or investing, booked_on in p, in USD. Flow.
{{ kpi_flow(ref('int_bank_daily'), 'free_cash_flow_usd', 'fx_needed_free', 'unconvertible_free') }}

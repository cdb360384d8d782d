-- operating_cash_flow: Σ bank amount (positive = cash in) with category operating, booked_on in p, in USD. Flow.
{{ kpi_flow(ref('int_bank_daily'), 'operating_usd', 'fx_needed_operating', 'unconvertible_operating') }}

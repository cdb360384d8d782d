-- marketing_spend: Σ amount (USD at the spend_date rate) of the spend rows with spend_date in p.
-- Flow. A row without a rate on or before its spend_date is left out and counted as unconvertible.
{{ kpi_flow(ref('int_marketing_spend_daily'), 'spend_usd', 'fx_needed', 'unconvertible_rows') }}

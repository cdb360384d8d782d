-- customer_acquisition_cost: marketing_spend ÷ new_customers, both over p (up to its measurement
-- day), built from the two KPIs. New customers (first completed order ever in p) need no money,
-- so a customer whose first order is in a currency without a rate still counts; unconvertible
-- spend rows are left out of the spend (and reported through marketing_spend).
{{ kpi_ratio_of('kpi_marketing_spend', 'kpi_new_customers') }}

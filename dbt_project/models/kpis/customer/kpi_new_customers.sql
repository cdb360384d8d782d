-- new_customers: customers whose first completed order ever falls in p. Flow. A count that needs
-- no money: a first order in a currency without a rate still makes a new customer.
{{ kpi_flow("(select first_completed_order_date as day, 1 as new_customers from " ~ ref('int_customers_first_orders') ~ ")", 'new_customers') }}

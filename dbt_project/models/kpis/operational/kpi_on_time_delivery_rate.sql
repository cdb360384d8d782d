-- on_time_delivery_rate: of the shipments with delivered_at (UTC date) in p, the share whose
-- delivered_at date is on or before promised_date. A delivered_at after the as-of date reads as
-- empty: the shipment is not delivered yet.
{{ kpi_ratio(ref('int_deliveries_daily'), 'on_time_shipments', 'delivered_shipments') }}

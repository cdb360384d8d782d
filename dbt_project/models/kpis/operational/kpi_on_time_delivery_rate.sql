-- on_time_delivery_rate: of the shipments with delivered_at (UTC date) in p, the share whose
-- delivered_at date is on or before promised_date. A delivered_at after the as-of date already
-- reads as empty (staging): the shipment is not delivered yet.
with shipments as (
    select
        *,
        cast(delivered_at as date) as delivered_on
    from {{ ref('stg_operations__shipments') }}
    where delivered_at is not null
),

periods as (
    {{ kpi_periods('ratio') }}
),

counted as (
    select
        periods.grain,
        periods.period_start,
        count(shipments.shipment_id) filter (where shipments.delivered_on <= shipments.promised_date)
            as on_time_shipments,
        count(shipments.shipment_id) as delivered_shipments
    from periods
    left join shipments
        on shipments.delivered_on between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('on_time_shipments', 'delivered_shipments') }} as value,
    cast(on_time_shipments as double) as numerator,
    cast(delivered_shipments as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from counted

-- One row per support ticket resolved up to the as-of date (opened by then too): the day it was
-- resolved, its customer, its resolution time in hours and its CSAT (rated, satisfied: ≥ 4).
-- The hours are a decimal per row (exact to 1e-12 h, a 3.6 ns step): a sum of doubles in a
-- parallel aggregate differs in its last bits from one run to the next, a sum of decimals does not.
select
    ticket_id,
    customer_id,
    cast(resolved_at as date) as resolved_date,
    cast(datediff('microsecond', opened_at, resolved_at) / 3600000000.0 as decimal(24, 12)) as resolution_hours,
    case when csat_score is not null then 1 else 0 end as rated,
    case when csat_score >= 4 then 1 else 0 end as satisfied
from {{ ref('stg_customer__support_tickets') }}
where event_date <= {{ as_of() }} and resolved_at is not null and cast(resolved_at as date) <= {{ as_of() }}

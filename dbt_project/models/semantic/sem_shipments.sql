-- One row per shipment delivered up to the as-of date (shipped by then too): the day it was
-- delivered and whether on or before its promised date ('on_time' / 'late').
select
    shipment_id,
    delivered_date,
    case when is_on_time then 'on_time' else 'late' end as lateness,
    case when is_on_time then 1 else 0 end as on_time
from {{ ref('fct_shipments') }}
where shipped_date <= {{ as_of() }} and delivered_date <= {{ as_of() }}

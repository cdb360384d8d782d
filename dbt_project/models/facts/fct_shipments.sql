-- One row per shipment: its order, promised date, shipped and delivered times (as landed), and
-- whether it was delivered on time (UTC delivered date ≤ promised_date). Incremental by ship date.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_changed_rows(['shipments'], 'shipped_date') }}",
    post_hook="{{ record_watermark() }}"
) }}

select
    shipment_id,
    order_id,
    promised_date,
    shipped_at,
    event_date as shipped_date,
    delivered_at,
    cast(delivered_at as date) as delivered_date,
    cast(delivered_at as date) <= promised_date as is_on_time
from {{ ref('stg_operations__shipments') }}
{% if is_incremental() %}
    where {{ changed_rows(['shipments'], 'event_date') }}
{% endif %}
{{ in_key_order('shipped_date') }}

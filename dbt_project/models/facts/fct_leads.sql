-- One row per lead: created (UTC date), source, campaign, when it became an MQL and an SQL (as
-- landed; the as-of rule is applied in int_leads_daily), the customer it became. Incremental.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_changed_rows(['leads'], 'created_date') }}",
    post_hook="{{ record_watermark() }}"
) }}

select
    lead_id,
    created_at,
    event_date as created_date,
    source,
    campaign_id,
    mql_at,
    sql_at,
    customer_id
from {{ ref('stg_marketing__leads') }}
{% if is_incremental() %}
    where {{ changed_rows(['leads'], 'event_date') }}
{% endif %}
{{ in_key_order('created_date') }}

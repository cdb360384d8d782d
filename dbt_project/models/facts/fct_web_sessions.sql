-- One row per web session: its visitor, UTC start date, traffic source, campaign and the order
-- it points to (as landed; whether that order counts is decided as of the run's date in the
-- intermediate models). The largest table of the contract, so incremental by session date.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_changed_rows(['web_sessions'], 'session_date') }}",
    post_hook="{{ record_watermark() }}"
) }}

select
    session_id,
    visitor_id,
    started_at,
    event_date as session_date,
    source,
    campaign_id,
    pageviews,
    order_id
from {{ ref('stg_marketing__web_sessions') }}
{% if is_incremental() %}
    where {{ changed_rows(['web_sessions'], 'event_date') }}
{% endif %}
{{ in_key_order('session_date') }}

-- One row per campaign: its channel.
select
    campaign_id,
    coalesce(channel, 'unknown') as channel
from {{ ref('stg_marketing__campaigns') }}

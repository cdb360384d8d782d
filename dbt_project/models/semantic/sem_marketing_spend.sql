-- One row per spend row up to the as-of date: its campaign, the campaign's channel (the
-- marketing_channel entity, shared with the customers' acquisition channel for CAC by channel)
-- and its amount in USD (NULL when it does not convert).
select
    {{ concat_key(['spend.campaign_id', 'spend.spend_date']) }} as spend_id,
    spend.campaign_id,
    coalesce(campaigns.channel, 'unknown') as marketing_channel,
    spend.spend_date,
    spend.amount_usd
from {{ ref('fct_marketing_spend') }} as spend
left join {{ ref('stg_marketing__campaigns') }} as campaigns on spend.campaign_id = campaigns.campaign_id
where spend.spend_date <= {{ as_of() }}

-- One row per campaign and spend date: the amount in its currency and in USD at the spend date's
-- rate (NULL when no rate exists on or before it).
select
    spend.campaign_id,
    spend.spend_date,
    spend.currency,
    spend.currency <> 'USD' as needs_fx,
    (spend.currency = 'USD' or fx.usd_per_unit is not null) as is_convertible,
    cast(spend.amount as decimal(20, 4)) as amount_local,
    {{ to_usd('spend.amount', 'spend.currency', 'fx.usd_per_unit') }} as amount_usd
from {{ ref('stg_marketing__marketing_spend') }} as spend
{{ join_fx_rate('spend.currency', 'spend.spend_date') }}
